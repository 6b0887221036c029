package dev.forwardpass.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad model fails on the driver, before any job; the threads follow a task's cores. No Spark runs here. */
class ModelSpecTest {

    @Test
    void aMissingModelFailsAtOnceNamingTheFile(@TempDir Path folder) {
        Path missing = folder.resolve("missing.bin");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> TextFunctions.of(ModelSpec.of(missing.toString())));
        assertEquals(missing.toString(), e.getFile());
    }

    @Test
    void aMalformedModelFailsAtOnceWithTheOneLineFormatError(@TempDir Path folder) throws IOException {
        // a llama2.c header whose n_kv_heads (3) does not divide n_heads (8)
        ByteBuffer header = ByteBuffer.allocate(7 * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(64).putInt(172).putInt(5).putInt(8).putInt(3).putInt(512).putInt(512);
        Path malformed = folder.resolve("malformed.bin");
        Files.write(malformed, header.array());
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> TextFunctions.of(ModelSpec.of(malformed.toString())));
        assertEquals(malformed + ": field 'n_kv_heads' at offset 16: must divide n_heads=8, found 3", e.getMessage());
    }

    @Test
    void settingsAreCheckedWhereTheSpecIsMade() {
        assertEquals("threads must be >= 0 (0 = all processors), found -1",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.embedded().withThreads(-1)).getMessage());
        assertEquals("backend must be named, e.g. \"java\"",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.embedded().withBackend(" ")).getMessage());
    }

    @Test
    void eachTasksModelComputesWithTheCoresSparkGivesATask() {
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("local")));
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("local[3]")), "three tasks at once");
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("local[2,4]")));
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("local[*]")));
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("spark://host:7077")));
        assertEquals(1, ModelSpec.taskCpus(new SparkConf(false).setMaster("yarn").set("spark.executor.cores", "5")));
        assertEquals(4, ModelSpec.taskCpus(new SparkConf(false).setMaster("yarn").set("spark.executor.cores", "8")
                .set("spark.task.cpus", "4")), "two tasks of four cores at once");
    }
}
