package dev.forwardpass.models.huggingface;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forwardpass.api.Backend;
import dev.forwardpass.api.BackendOptions;
import dev.forwardpass.api.Backends;
import dev.forwardpass.api.DType;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.format.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed Hugging Face folder gives one line naming the tensor or field, never a stack of exceptions. */
class HuggingFaceFolderErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static Backend backend;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        backend = Backends.get("scalar", BackendOptions.withThreads(1));
    }

    @AfterAll
    static void close() {
        backend.close();
    }

    /** {@return the error of loading {@code folder}}, checked to be a single line */
    private static ModelFormatException loadError(Path folder) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> HuggingFaceModel.load(folder, backend).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    private Path folder(TinyCheckpoints.Variant variant, String name) throws IOException {
        return TinyCheckpoints.random(variant, 3).write(dir.resolve(name), DType.F32);
    }

    /** Rewrites config.json of {@code folder} after {@code change}; {@return folder} */
    private static Path editConfig(Path folder, Consumer<ObjectNode> change) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(folder.resolve("config.json").toFile());
        change.accept(config);
        JSON.writeValue(folder.resolve("config.json").toFile(), config);
        return folder;
    }

    /** Rewrites model.safetensors of {@code folder} without {@code drop}, and with {@code dtypes} changed. */
    private static void rewriteWeights(TinyCheckpoints.TinyModel model, Path folder, String drop, Map<String, String> dtypes) {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, float[]> t : model.tensors().entrySet()) {
            String name = t.getKey();
            if (name.equals(drop)) {
                continue;
            }
            int[] shape = model.shapes().get(name);
            if (dtypes.containsKey(name)) {
                long[] dims = Arrays.stream(shape).asLongStream().toArray();
                w.addRaw(name, dtypes.get(name), dims, new byte[t.getValue().length * 8]);
            } else {
                w.add(name, DType.F32, shape, t.getValue());
            }
        }
        w.write(folder.resolve("model.safetensors"));
    }

    @Test
    void aBadHeaderLength() throws IOException {
        Path folder = folder(TinyCheckpoints.Variant.LLAMA, "header");
        byte[] bytes = Files.readAllBytes(folder.resolve("model.safetensors"));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(folder.resolve("model.safetensors"), bytes);
        ModelFormatException e = loadError(folder);
        assertEquals("header_size", e.field());
        assertTrue(e.getMessage().contains("model.safetensors: field 'header_size' at offset 0"), e.getMessage());
    }

    @Test
    void offsetsOutsideTheFile() throws IOException {
        Path folder = folder(TinyCheckpoints.Variant.GPT2, "truncated");
        byte[] bytes = Files.readAllBytes(folder.resolve("model.safetensors"));
        Files.write(folder.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length - 40));
        ModelFormatException e = loadError(folder);
        assertEquals("transformer.ln_f.bias.data_offsets", e.field()); // the last tensor of the file
    }

    @Test
    void anUnknownAndAnUnsupportedDtype() throws IOException {
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(TinyCheckpoints.Variant.QWEN2, 3);
        Path folder = model.write(dir.resolve("dtype"), DType.F32);
        rewriteWeights(model, folder, null, Map.of("model.layers.1.self_attn.k_proj.bias", "F4_E9"));
        ModelFormatException e = loadError(folder);
        assertEquals("model.layers.1.self_attn.k_proj.bias.dtype", e.field());
        assertTrue(e.getMessage().contains("unknown dtype 'F4_E9'"), e.getMessage());

        rewriteWeights(model, folder, null, Map.of("model.norm.weight", "I64"));
        e = loadError(folder);
        assertTrue(e.getMessage().contains("unsupported dtype I64 for tensor 'model.norm.weight' (supported: F32, F16, BF16)"),
                e.getMessage());
    }

    @Test
    void aMissingTensor() throws IOException {
        TinyCheckpoints.TinyModel model = TinyCheckpoints.random(TinyCheckpoints.Variant.LLAMA, 3);
        Path folder = model.write(dir.resolve("missing"), DType.F32);
        rewriteWeights(model, folder, "model.layers.1.mlp.up_proj.weight", Map.of());
        ModelFormatException e = loadError(folder);
        assertEquals("model.layers.1.mlp.up_proj.weight", e.field());
        assertTrue(e.getMessage().contains("no such tensor"), e.getMessage());

        // a config that says the classifier is separate, in a file that has none
        Path tied = editConfig(folder(TinyCheckpoints.Variant.QWEN2, "untied"), c -> c.put("tie_word_embeddings", false));
        assertEquals("lm_head.weight", loadError(tied).field());

        TinyCheckpoints.TinyModel gpt2 = TinyCheckpoints.random(TinyCheckpoints.Variant.GPT2, 3);
        Path g = gpt2.write(dir.resolve("gpt2-missing"), DType.F32);
        rewriteWeights(gpt2, g, "transformer.h.1.attn.c_attn.bias", Map.of());
        assertEquals("transformer.h.1.attn.c_attn.bias", loadError(g).field());
    }

    @Test
    void shapesThatDoNotMatchTheConfig() throws IOException {
        Path llama = editConfig(folder(TinyCheckpoints.Variant.LLAMA, "shape"), c -> c.put("intermediate_size", 64));
        ModelFormatException e = loadError(llama);
        assertEquals("model.layers.0.mlp.gate_proj.weight", e.field());
        assertTrue(e.getMessage().contains("shape [48, 32] does not match the config's [64, 32]"), e.getMessage());

        Path kv = editConfig(folder(TinyCheckpoints.Variant.LLAMA, "kv"), c -> c.put("num_key_value_heads", 4));
        assertEquals("model.layers.0.self_attn.k_proj.weight", loadError(kv).field());

        Path gpt2 = editConfig(folder(TinyCheckpoints.Variant.GPT2, "gpt2-shape"), c -> c.put("n_inner", 50));
        e = loadError(gpt2);
        assertEquals("transformer.h.0.mlp.c_fc.weight", e.field());
        assertTrue(e.getMessage().contains("Conv1D: [in_features, out_features]"), e.getMessage());

        Path vocab = editConfig(folder(TinyCheckpoints.Variant.GPT2, "vocab"), c -> c.put("vocab_size", 98));
        assertEquals("transformer.wte.weight", loadError(vocab).field());
    }

    @Test
    void configFieldsThatAreMissingWrongOrUnsupported() throws IOException {
        Object[][] cases = {
                {TinyCheckpoints.Variant.LLAMA, "hidden_size", null, "hidden_size", "missing"},
                {TinyCheckpoints.Variant.LLAMA, "num_key_value_heads", 3, "num_key_value_heads", "must divide"},
                {TinyCheckpoints.Variant.LLAMA, "hidden_size", "wide", "hidden_size", "must be an integer"},
                {TinyCheckpoints.Variant.LLAMA, "model_type", "bert", "model_type", "unsupported architecture 'bert'"},
                {TinyCheckpoints.Variant.LLAMA, "hidden_act", "gelu", "hidden_act", "unsupported activation"},
                {TinyCheckpoints.Variant.LLAMA, "rope_scaling", Map.of("rope_type", "yarn", "factor", 4.0),
                        "rope_scaling.rope_type", "unsupported rope scaling 'yarn'"},
                {TinyCheckpoints.Variant.LLAMA3_ROPE_SCALING, "rope_scaling", Map.of("rope_type", "llama3", "factor", 8.0),
                        "rope_scaling.low_freq_factor", "missing"},
                {TinyCheckpoints.Variant.LLAMA, "attention_bias", true, "attention_bias", "not supported"},
                {TinyCheckpoints.Variant.GPT2, "n_head", 5, "n_head", "must divide n_embd=24"},
                {TinyCheckpoints.Variant.GPT2, "activation_function", "relu", "activation_function", "unsupported"},
                {TinyCheckpoints.Variant.GPT2, "n_positions", 0, "n_positions", "between 1 and"},
        };
        for (Object[] c : cases) {
            TinyCheckpoints.Variant variant = (TinyCheckpoints.Variant) c[0];
            String key = (String) c[1];
            Path folder = editConfig(folder(variant, "config-" + key + "-" + c[2]), config -> {
                if (c[2] == null) {
                    config.remove(key);
                } else {
                    config.set(key, JSON.valueToTree(c[2]));
                }
            });
            ModelFormatException e = loadError(folder);
            assertEquals(c[3], e.field(), Arrays.toString(c));
            assertTrue(e.getMessage().contains((String) c[4]), e.getMessage());
            assertTrue(e.getMessage().startsWith(folder.resolve("config.json").toString()), e.getMessage());
        }
    }

    @Test
    void aConfigThatIsNotJsonAndAFolderWithoutOne() throws IOException {
        Path folder = folder(TinyCheckpoints.Variant.LLAMA, "not-json");
        Files.writeString(folder.resolve("config.json"), "{\"model_type\": \"llama\",");
        ModelFormatException e = loadError(folder);
        assertEquals("config.json", e.field());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());

        Files.delete(folder.resolve("config.json"));
        NoSuchFileException missing = assertThrows(NoSuchFileException.class, () -> HuggingFaceModel.load(folder, backend));
        assertTrue(missing.getMessage().contains("config.json"), missing.getMessage());

        Path noWeights = Files.createDirectories(dir.resolve("no-weights"));
        Files.copy(folder(TinyCheckpoints.Variant.LLAMA, "src").resolve("config.json"), noWeights.resolve("config.json"));
        assertThrows(NoSuchFileException.class, () -> HuggingFaceModel.load(noWeights, backend));
    }

    @Test
    void aFolderIsToldFromAFile() throws IOException {
        Path folder = folder(TinyCheckpoints.Variant.LLAMA, "kind");
        assertTrue(HuggingFaceModel.isModelFolder(folder));
        assertFalse(HuggingFaceModel.isModelFolder(folder.resolve("model.safetensors")));
        assertFalse(HuggingFaceModel.isModelFolder(dir.resolve("nothing-here")));
    }
}
