package dev.forwardpass.backend.java;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Native memory on 2 MiB pages, for the weights that a decode step streams through ({@link TensorMemory}). With 4 KiB
 * pages a pass over 440 MB of weights crosses 110,000 pages, far more than the TLB holds, and every page costs a walk
 * of the page tables: on this kind of machine (Linux, transparent huge pages set to "madvise") the 110M shape decoded
 * 40 tok/s on one thread from 4 KiB pages and 57 on 2 MiB ones ({@code forwardpass bench --threads 1}, warm median).
 * Neither a JVM arena nor a file mapping asks for huge pages (a mapping of the page cache gets them only where the
 * kernel happens to align it), so the memory comes from an anonymous {@code mmap}, advised with
 * {@code MADV_HUGEPAGE} before anything touches it, and aligned to 2 MiB. Where that is not available (not Linux,
 * or a call fails) it is an arena's plain memory, which works the same, only slower. Public for the bandwidth probe
 * of the benchmarks, which must read the memory that weights are on.
 *
 * <p>The same mapping without the advice ({@link #allocateOnFirstTouch}) serves big tensors that are mostly never
 * written: the kernel gives each small page, zeroed, when it is first touched, where an arena zero-fills all of it
 * at once.
 */
public final class HugePages {
    /** The size of a huge page, and the alignment of the memory given out. */
    public static final long PAGE = 2L << 20;

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20; // Linux, on x86-64 and AArch64 alike
    private static final int MADV_HUGEPAGE = 14;

    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT)
            .startsWith("linux");
    // the C library's calls, null where this is not Linux
    private static final MethodHandle MMAP = libc("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MADVISE = libc("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = libc("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private HugePages() {}

    /**
     * {@return {@code bytes} of zeroed memory, 2 MiB-aligned on huge pages where the system gives them}, freed when
     * {@code arena} closes.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        return anonymous(bytes, arena, true);
    }

    /**
     * {@return {@code bytes} of zeroed memory on small pages that the kernel maps, zeroed, as they are first touched},
     * freed when {@code arena} closes; an arena's memory where that is not available. For a session's KV cache (75 MB
     * for the 110M shape, of which a short chat writes a tenth): zero-filled by an arena, the eight caches of a fresh
     * server's first eight requests took seconds of the thread that steps every sequence.
     */
    static MemorySegment allocateOnFirstTouch(long bytes, Arena arena) {
        return anonymous(bytes, arena, false);
    }

    /** {@return an anonymous mapping ({@link #mapAnonymous}), or an arena's memory where there is none} */
    private static MemorySegment anonymous(long bytes, Arena arena, boolean huge) {
        if (LINUX) {
            MemorySegment memory = mapAnonymous(bytes, arena, huge);
            if (memory != null) {
                return memory;
            }
        }
        return arena.allocate(bytes, TensorMemory.ALIGNMENT);
    }

    /**
     * An anonymous mapping of {@code bytes} rounded up, plus one page of slack to align it, advised onto huge pages if
     * {@code huge}; null if mmap fails.
     */
    private static MemorySegment mapAnonymous(long bytes, Arena arena, boolean huge) {
        long mapped = Math.addExact(Math.ceilDiv(bytes, PAGE) * PAGE, PAGE);
        try {
            MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, mapped, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (base.address() == -1L) { // MAP_FAILED: let the arena try, and fail with the JVM's own error
                return null;
            }
            long start = Math.ceilDiv(base.address(), PAGE) * PAGE;
            if (huge) {
                // advice only: memory without it (THP off, an old kernel) works the same on small pages
                int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), mapped - PAGE, MADV_HUGEPAGE);
            }
            long baseAddress = base.address();
            return MemorySegment.ofAddress(start).reinterpret(bytes, arena, segment -> unmap(baseAddress, mapped));
        } catch (Throwable t) {
            throw new IllegalStateException("mmap of " + mapped + " bytes failed", t);
        }
    }

    private static void unmap(long address, long bytes) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("munmap of " + bytes + " bytes failed", t);
        }
    }

    private static MethodHandle libc(String name, FunctionDescriptor signature) {
        if (!LINUX) {
            return null;
        }
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), signature);
    }
}
