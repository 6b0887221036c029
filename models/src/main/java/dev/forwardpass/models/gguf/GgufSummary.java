package dev.forwardpass.models.gguf;

import dev.forwardpass.models.format.MappedFile;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a GGUF file says about itself, as {@code info} shows it: its metadata's headlines and how many tensors of each
 * type it holds, in how many bytes (so that a quantized file's fallbacks show).
 *
 * @param version the GGUF version
 * @param architecture {@code general.architecture}
 * @param name {@code general.name}, or null
 * @param fileType {@code general.file_type} as llama.cpp names it, or null
 * @param contextLength {@code <arch>.context_length}, or null
 * @param vocabulary {@code tokenizer.ggml.model}, or null when the file carries no tokenizer
 * @param vocabularySize the number of {@code tokenizer.ggml.tokens}
 * @param chatTemplate whether the file has a {@code tokenizer.chat_template}
 * @param tensorTypes the tensors of each type, the most bytes first
 */
public record GgufSummary(int version, String architecture, String name, String fileType, Long contextLength,
        String vocabulary, int vocabularySize, boolean chatTemplate, List<TensorType> tensorTypes) {

    /**
     * The tensors of one type.
     *
     * @param type ggml's name of the type
     * @param tensors how many
     * @param bytes their data's bytes
     */
    public record TensorType(String type, int tensors, long bytes) {}

    /** {@return the summary of {@code path} if it is a GGUF file, empty if it is another file or a folder} */
    public static Optional<GgufSummary> of(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try (MappedFile file = MappedFile.open(path)) {
            return GgufFile.isGguf(file.data()) ? Optional.of(read(file)) : Optional.empty();
        }
    }

    private static GgufSummary read(MappedFile file) throws ModelFormatException {
        GgufFile gguf = GgufFile.read(file);
        Map<String, Object> m = gguf.metadata();
        String architecture = String.valueOf(m.get("general.architecture"));
        Map<String, long[]> byType = new TreeMap<>();                 // type -> {tensors, bytes}
        for (GgufFile.TensorInfo tensor : gguf.tensors().values()) {
            long[] count = byType.computeIfAbsent(tensor.type().name(), t -> new long[2]);
            count[0]++;
            count[1] += tensor.data().byteSize();
        }
        List<TensorType> types = new ArrayList<>();
        byType.forEach((type, count) -> types.add(new TensorType(type, (int) count[0], count[1])));
        types.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        return new GgufSummary(gguf.version(), architecture, m.get("general.name") instanceof String s ? s : null,
                m.get("general.file_type") instanceof Long id ? GgufFileType.name(id) : null,
                m.get(architecture + ".context_length") instanceof Long n ? n : null,
                m.get("tokenizer.ggml.model") instanceof String s ? s : null,
                m.get("tokenizer.ggml.tokens") instanceof List<?> tokens ? tokens.size() : 0,
                m.containsKey("tokenizer.chat_template"), List.copyOf(types));
    }
}
