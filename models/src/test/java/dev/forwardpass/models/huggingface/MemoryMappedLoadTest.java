package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.models.decoder.LanguageModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading a safetensors file of more than 1 GB maps it rather than reading it: on the java backend with F32 weights,
 * the process's resident memory after loading grows by far less than the file's size. Slow (it writes 1.3 GB), so it
 * runs only with {@code FORWARDPASS_SLOW_TESTS=1}.
 */
@Tag("slow")
@EnabledOnOs(OS.LINUX)
@EnabledIfEnvironmentVariable(named = "FORWARDPASS_SLOW_TESTS", matches = "1|true")
class MemoryMappedLoadTest {
    static final int DIM = 1024;
    static final int HIDDEN = 4096;
    static final int LAYERS = 18;
    static final int VOCAB = 32000;

    @TempDir
    Path dir;

    @Test
    void residentMemoryStaysFarBelowTheFileSize() throws IOException {
        Path folder = writeLlama(dir.resolve("big"));
        long fileBytes = Files.size(folder.resolve("model.safetensors"));
        System.gc();
        long before = residentBytes();
        try (Backend backend = Backends.get("java", BackendOptions.withThreads(1));
                LanguageModel model = HuggingFaceModel.load(folder, backend, 64)) {
            long afterLoad = residentBytes();
            long startNanos = System.nanoTime();
            try (LanguageModel.Session session = model.newSession()) {
                session.forward(1, 0);
            }
            long forwardMillis = (System.nanoTime() - startNanos) / 1_000_000;
            long afterForward = residentBytes();
            System.out.printf("safetensors file: %,d bytes; resident: %,d before load, %,d after load (+%,d), "
                    + "%,d after one forward step (%d ms, every weight read once)%n",
                    fileBytes, before, afterLoad, afterLoad - before, afterForward, forwardMillis);
            assertTrue(afterLoad - before < fileBytes / 10,
                    "loading grew the resident memory by " + (afterLoad - before) + " bytes for a " + fileBytes
                            + "-byte file");
        }
    }

    /** {@return VmRSS of this process, from /proc/self/status} */
    static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Writes a Llama folder of about 1.3 GB of F32 weights, streamed to the file (never held in memory). */
    static Path writeLlama(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("config.json"), """
                {"model_type": "llama", "hidden_size": %d, "intermediate_size": %d, "num_hidden_layers": %d,
                 "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": %d,
                 "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "tie_word_embeddings": true}
                """.formatted(DIM, HIDDEN, LAYERS, VOCAB));
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        java.util.List<long[]> sizes = new java.util.ArrayList<>();
        String[][] perLayer = {
                {"input_layernorm.weight", "" + DIM}, {"self_attn.q_proj.weight", DIM + "," + DIM},
                {"self_attn.k_proj.weight", DIM + "," + DIM}, {"self_attn.v_proj.weight", DIM + "," + DIM},
                {"self_attn.o_proj.weight", DIM + "," + DIM}, {"post_attention_layernorm.weight", "" + DIM},
                {"mlp.gate_proj.weight", HIDDEN + "," + DIM}, {"mlp.up_proj.weight", HIDDEN + "," + DIM},
                {"mlp.down_proj.weight", DIM + "," + HIDDEN}};
        java.util.List<String[]> tensors = new java.util.ArrayList<>();
        tensors.add(new String[] {"model.embed_tokens.weight", VOCAB + "," + DIM});
        for (int l = 0; l < LAYERS; l++) {
            for (String[] t : perLayer) {
                tensors.add(new String[] {"model.layers." + l + "." + t[0], t[1]});
            }
        }
        tensors.add(new String[] {"model.norm.weight", "" + DIM});
        for (String[] t : tensors) {
            long count = 1;
            for (String d : t[1].split(",")) {
                count *= Long.parseLong(d);
            }
            header.append(header.length() > 1 ? "," : "").append('"').append(t[0]).append("\":{\"dtype\":\"F32\",")
                    .append("\"shape\":[").append(t[1]).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + count * 4).append("]}");
            sizes.add(new long[] {count, t[0].contains("norm") ? 1 : 0});
            offset += count * 4;
        }
        byte[] json = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        SplittableRandom random = new SplittableRandom(3);
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel out = FileChannel.open(folder.resolve("model.safetensors"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            out.write(head);
            for (long[] t : sizes) {
                for (long left = t[0]; left > 0; ) {
                    chunk.clear();
                    int n = (int) Math.min(left, chunk.capacity() / 4);
                    for (int i = 0; i < n; i++) {
                        chunk.putFloat(t[1] == 1 ? 1f : (float) ((random.nextDouble() - 0.5) * 0.05));
                    }
                    chunk.flip();
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                    left -= n;
                }
            }
        }
        return folder;
    }
}
