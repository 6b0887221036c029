package dev.forwardpass.models.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The weights of a Hugging Face model folder: either one {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists ({@code {"metadata": {...}, "weight_map": {"NAME": "FILE", ...}}}).
 * Every file is memory-mapped and validated when opened; every tensor the index names must be in its shard.
 */
public final class SafetensorsShards implements AutoCloseable {
    /** The weights of an unsharded folder. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The index of a sharded folder. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;   // every tensor name -> the file that holds it

    private SafetensorsShards(String source, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.source = source;
        this.files = files;
        this.byTensor = byTensor;
    }

    /**
     * Maps every safetensors file of {@code folder}: the index's shards when there is an index, else
     * {@code model.safetensors}.
     *
     * @throws NoSuchFileException if the folder has neither, or a shard the index names is missing
     * @throws ModelFormatException if a file or the index is malformed
     */
    public static SafetensorsShards open(Path folder) throws IOException {
        Path index = folder.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openIndexed(index);
        }
        Path single = folder.resolve(SINGLE_FILE);
        if (!Files.isRegularFile(single)) {
            throw new NoSuchFileException(single.toString(), null, "no " + SINGLE_FILE + " or " + INDEX_FILE
                    + " in the model folder" + otherWeightsHint(folder));
        }
        SafetensorsFile file = SafetensorsFile.open(single);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (String name : file.names()) {
            byTensor.put(name, file);
        }
        return new SafetensorsShards(folder.toString(), List.of(file), Collections.unmodifiableMap(byTensor));
    }

    /** {@return a hint naming weight files of other formats, which a user may have expected to work} */
    private static String otherWeightsHint(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            List<String> others = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".pt")
                            || n.endsWith(".gguf"))
                    .sorted().toList();
            return others.isEmpty() ? "" : " (found " + String.join(", ", others)
                    + ": only safetensors weights are read from a folder)";
        } catch (IOException e) {
            return "";
        }
    }

    private static SafetensorsShards openIndexed(Path index) throws IOException {
        String source = index.toString();
        JsonNode root;
        try {
            byte[] json = InputFiles.readUtf8(index);
            InputFiles.checkNoNul(json, source, 0, INDEX_FILE);
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source, e.getLocation() == null ? -1 : e.getLocation().getByteOffset(),
                    INDEX_FILE, "is not valid JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new ModelFormatException(source, -1, "weight_map",
                    "must be a non-empty object of tensor name -> shard file, found " + weightMap);
        }
        Path folder = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                String tensor = e.getKey();
                String shard = e.getValue().isTextual() ? e.getValue().asText() : null;
                // a shard is a file beside the index: a path elsewhere is a malformed (or hostile) index
                if (shard == null || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                        || shard.equals("..") || shard.equals(".")) {
                    throw new ModelFormatException(source, -1, "weight_map." + tensor,
                            "must name a file in the index's folder, found " + e.getValue());
                }
                SafetensorsFile file = shards.get(shard);
                if (file == null) {
                    Path path = shardPath(folder, shard, source, tensor);
                    if (!Files.isRegularFile(path)) {
                        throw new NoSuchFileException(path.toString(), null,
                                "shard of tensor '" + tensor + "' listed in " + INDEX_FILE + " is missing");
                    }
                    file = SafetensorsFile.open(path);
                    shards.put(shard, file);
                }
                if (!file.contains(tensor)) {
                    throw new ModelFormatException(file.source(), -1, tensor,
                            "no such tensor, but " + INDEX_FILE + " says this shard holds it");
                }
                byTensor.put(tensor, file);
            }
        } catch (IOException | RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
        return new SafetensorsShards(folder.toString(), List.copyOf(new ArrayList<>(shards.values())),
                Collections.unmodifiableMap(byTensor));
    }

    /** {@return the file {@code shard} of {@code folder}}, or an error naming the entry if it cannot be a file name */
    private static Path shardPath(Path folder, String shard, String source, String tensor) throws ModelFormatException {
        try {
            return folder.resolve(shard);
        } catch (InvalidPathException e) {
            throw new ModelFormatException(source, -1, "weight_map." + tensor,
                    "is not a file name (" + e.getReason() + "), found '" + shard.replace("\0", "\\0") + "'");
        }
    }

    /** {@return the folder's path} */
    public String source() {
        return source;
    }

    /** {@return the names of every tensor, in the order of the index (or of the single file's header)} */
    public Set<String> names() {
        return byTensor.keySet();
    }

    /** {@return whether a tensor called {@code name} is present} */
    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    /**
     * {@return the tensor called {@code name}, a view of its mapped file}
     *
     * @throws ModelFormatException if there is no such tensor or its dtype is unsupported
     */
    public TensorData tensor(String name) throws ModelFormatException {
        return fileOf(name).tensor(name);
    }

    /** {@return the dtype string of tensor {@code name} as its file states it (also unsupported ones, e.g. I64)} */
    public String dtypeName(String name) throws ModelFormatException {
        return fileOf(name).dtypeName(name);
    }

    private SafetensorsFile fileOf(String name) throws ModelFormatException {
        SafetensorsFile file = byTensor.get(name);
        if (file == null) {
            String where = files.size() == 1 ? files.getFirst().source() : source + " (" + files.size() + " shards)";
            throw new ModelFormatException(where, -1, name,
                    "no such tensor (the weights hold " + byTensor.size() + ")");
        }
        return file;
    }

    /** Unmaps every file: tensors given out must not be used afterwards. */
    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
