package dev.forwardpass.models.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.SafetensorsFile;
import dev.forwardpass.models.format.SafetensorsShards;
import dev.forwardpass.models.format.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** safetensors: one file (header JSON and offsets), and the index of a sharded checkpoint. */
class SafetensorsFuzzTest {
    /** The shards the seed indexes name, written once: the fuzzed index is the only file that changes. */
    private static final Path SHARDS = writeShards();

    @FuzzTest
    void file(byte[] input) throws IOException {
        FuzzInputs.readOrReject(() -> {
            try (SafetensorsFile file = SafetensorsFile.read(MappedFile.ofBytes(input, "model.safetensors"))) {
                file.metadata();
                for (String name : file.names()) {
                    file.dtypeName(name);
                    file.tensor(name);
                }
            }
        });
    }

    @FuzzTest
    void shardIndex(byte[] input) throws IOException {
        FuzzInputs.write(SHARDS, SafetensorsShards.INDEX_FILE, input);
        FuzzInputs.readOrReject(() -> {
            try (SafetensorsShards shards = SafetensorsShards.open(SHARDS)) {
                for (String name : shards.names()) {
                    shards.dtypeName(name);
                    shards.tensor(name);
                }
            } catch (NoSuchFileException documented) {
                // an index naming a shard the folder does not hold
            }
        });
    }

    private static Path writeShards() {
        Path folder = FuzzInputs.emptyFolder("shards");
        FuzzInputs.write(folder, "model-00001-of-00002.safetensors", new SafetensorsWriter()
                .add("embed.weight", DType.F32, new int[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .add("norm.weight", DType.BF16, new int[] {2}, new float[] {1, -1})
                .toBytes());
        FuzzInputs.write(folder, "model-00002-of-00002.safetensors", new SafetensorsWriter()
                .add("head.weight", DType.F16, new int[] {2, 2}, new float[] {0.5f, 1, 2, 4})
                .toBytes());
        return folder;
    }
}
