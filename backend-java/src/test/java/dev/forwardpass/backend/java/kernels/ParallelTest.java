package dev.forwardpass.backend.java.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void everyItemIsComputedExactlyOnceInChunksOfAtLeastMinChunk() {
        try (Parallel parallel = new Parallel(3, "test")) {
            for (int count : new int[] {1, 5, 100, 1001}) {
                AtomicIntegerArray visits = new AtomicIntegerArray(count + 10);
                parallel.forRange(10, 10 + count, 4, (from, to, workspace) -> {
                    assertTrue((from - 10) % 4 == 0, "chunks start on multiples of minChunk");
                    assertTrue(to - from >= Math.min(4, count), "no chunk is below minChunk");
                    for (int i = from; i < to; i++) {
                        visits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < count + 10; i++) {
                    assertEquals(i < 10 ? 0 : 1, visits.get(i), "item " + i + " of " + count);
                }
            }
        }
    }

    @Test
    void backToBackCallsNeverMixTheirChunks() {
        // a worker that wakes late must neither claim a chunk of a later call nor run a chunk with another call's body
        try (Parallel parallel = new Parallel(3, "test")) {
            for (int call = 0; call < 5000; call++) {
                int count = 1 + call % 97;
                AtomicIntegerArray visits = new AtomicIntegerArray(count);
                parallel.forRange(0, count, 1 + call % 3, (from, to, workspace) -> {
                    for (int i = from; i < to; i++) {
                        visits.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, visits.get(i), "call " + call + " item " + i);
                }
            }
        }
    }

    @Test
    void smallRangesStayOnTheCallingThread() {
        try (Parallel parallel = new Parallel(2, "test")) {
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            parallel.forRange(0, 15, 8, (from, to, workspace) -> threads.add(Thread.currentThread()));
            assertEquals(Set.of(Thread.currentThread()), threads, "15 items, at least 8 per chunk: one chunk");
        }
    }

    @Test
    void largeRangesUseThePoolAndGiveEachThreadItsOwnWorkspace() {
        try (Parallel parallel = new Parallel(2, "test")) {
            Set<String> names = ConcurrentHashMap.newKeySet();
            Set<Workspace> workspaces = ConcurrentHashMap.newKeySet();
            for (int attempt = 0; attempt < 100 && names.size() < 2; attempt++) {
                parallel.forRange(0, 64, 1, (from, to, workspace) -> {
                    names.add(Thread.currentThread().getName());
                    workspaces.add(workspace);
                    busyWait();
                });
            }
            assertTrue(names.stream().anyMatch(name -> name.startsWith("forwardpass-test-")), "pool threads: " + names);
            assertEquals(names.size(), workspaces.size(), "one workspace per thread");
        }
    }

    @Test
    void anExceptionInAnyChunkReachesTheCaller() {
        try (Parallel parallel = new Parallel(2, "test")) {
            IllegalStateException thrown = new IllegalStateException("chunk 5 failed");
            IllegalStateException caught = assertThrows(IllegalStateException.class,
                    () -> parallel.forRange(0, 64, 1, (from, to, workspace) -> {
                        if (from <= 5 && 5 < to) {
                            throw thrown;
                        }
                    }));
            assertSame(thrown, caught);
            // and the next call works
            AtomicIntegerArray visits = new AtomicIntegerArray(64);
            parallel.forRange(0, 64, 1, (from, to, workspace) -> {
                for (int i = from; i < to; i++) {
                    visits.incrementAndGet(i);
                }
            });
            assertEquals(1, visits.get(63));
        }
    }

    @Test
    void nestedCallsAreRefused() {
        try (Parallel parallel = new Parallel(2, "test")) {
            assertThrows(IllegalStateException.class, () -> parallel.forRange(0, 64, 1,
                    (from, to, workspace) -> parallel.forRange(0, 64, 1, (f, t, w) -> { })));
        }
    }

    private static void busyWait() {
        long end = System.nanoTime() + 20_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }
}
