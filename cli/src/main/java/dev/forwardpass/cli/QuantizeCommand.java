package dev.forwardpass.cli;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.DType;
import dev.forwardpass.models.ModelLoader;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.format.ModelFormatException;
import dev.forwardpass.models.gguf.GgufCheckpoint;
import dev.forwardpass.models.gguf.GgufTokenizerMetadata;
import dev.forwardpass.models.gguf.GgufWriter;
import dev.forwardpass.models.huggingface.HuggingFaceModel;
import dev.forwardpass.models.tokenizer.Llama2cTokenizer;
import dev.forwardpass.models.tokenizer.LlamaCppConverter;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quantize}: writes any model the tool loads as a GGUF file of one tensor type, with ggml's quantizers. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = "Write a model (llama2.c .bin, Hugging Face folder or GGUF) as a GGUF file whose matrices are "
                + "of one type, quantized as ggml's reference quantizers do (byte for byte). Vectors (norms, biases) "
                + "and the learned position embedding stay F32. A matrix whose rows are not whole blocks of the type "
                + "falls back, as llama-quantize's rules say: Q4_K to Q5_0, Q5_K to Q5_1, Q6_K to Q8_0, and to F16 "
                + "where no block type fits. A quantized source is dequantized and quantized again.")
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "PATH", required = true,
            description = "The model: a llama2.c checkpoint (.bin), a Hugging Face folder or a GGUF file.")
    Path model;

    @Option(names = "--type", paramLabel = "TYPE", required = true,
            description = "q8_0, q4_0, q4_k, q6_k, f16 or f32 (also q4_1, q5_0, q5_1, q5_k, bf16).")
    String type;

    @Option(names = "--out", paramLabel = "FILE.gguf", required = true, description = "Where to write the GGUF file.")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "The tokenizer to write into the file: run.c's (.bin), or a Hugging Face folder or "
                    + "tokenizer.json (written as llama.cpp's convert_hf_to_gguf.py writes it). Default: a GGUF "
                    + "model's own tokenizer keys (copied), a Hugging Face folder's tokenizer, or tokenizer.bin beside "
                    + "a llama2.c model.")
    Path tokenizer;

    @Mixin
    OverwriteOption overwrite;

    @Option(names = "--verbose", description = "Print the stack trace of an error.")
    boolean verbose;

    private final Terminal terminal;

    QuantizeCommand(Terminal terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() throws IOException {
        DType dtype = parseType(type);
        overwrite.checkWritable(out);
        PrintStream err = terminal.err();
        List<GgufWriter.Fallback> fallbacks;
        GgufTokenizerMetadata tokenizerMetadata;
        try (Checkpoint<?> checkpoint = ModelLoader.openCheckpoint(model, 0)) {
            tokenizerMetadata = tokenizerMetadata(checkpoint);
            fallbacks = GgufWriter.write(checkpoint, name(model), dtype, tokenizerMetadata, out);
        }
        // llama-quantize's warnings, one line per tensor of the blocks rather than per block
        Map<String, List<GgufWriter.Fallback>> byTensor = fallbacks.stream().collect(Collectors.groupingBy(
                f -> f.tensor().replaceFirst("^blk\\.\\d+\\.", "blk.N."), TreeMap::new, Collectors.toList()));
        byTensor.forEach((tensor, list) -> err.printf("%s (%d): rows of %d are not whole %s blocks of %d: %s%n",
                tensor, list.size(), list.getFirst().rowLength(), dtype, dtype.blockSize(), list.getFirst().written()));
        err.printf("wrote %s: %s, %,d bytes; tokenizer: %s%n", out, dtype, Files.size(out),
                tokenizerMetadata.description());
        err.flush();
        return 0;
    }

    /** {@return the type named {@code name}, in any case} */
    static DType parseType(String name) {
        String[] names = Arrays.stream(DType.values()).map(t -> t.name().toLowerCase(Locale.ROOT))
                .toArray(String[]::new);
        checkArgument(Arrays.asList(names).contains(name.toLowerCase(Locale.ROOT)), "unknown type '%s' (available: %s)",
                name, String.join(", ", names));
        return DType.valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** {@return the model's name: its file's without the extension, or its folder's} */
    private static String name(Path model) {
        String file = model.toAbsolutePath().normalize().getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 && !Files.isDirectory(model) ? file.substring(0, dot) : file;
    }

    /** {@return the tokenizer keys to write: as {@code --tokenizer} and the model's format say} */
    private GgufTokenizerMetadata tokenizerMetadata(Checkpoint<?> checkpoint) throws IOException {
        if (tokenizer == null && checkpoint instanceof GgufCheckpoint<?>) {
            return GgufTokenizerMetadata.copiedFrom(model);
        }
        int vocabSize = checkpoint.config().vocabSize();
        if (tokenizer == null && HuggingFaceModel.isModelFolder(model)) {
            // the weights are worth writing without it: say why it is missing
            try {
                return GgufTokenizerMetadata.of(LlamaCppConverter.vocabulary(model, vocabSize));
            } catch (NoSuchFileException e) {
                terminal.err().println("no tokenizer in the folder: the file will need --tokenizer");
            } catch (ModelFormatException e) {
                terminal.err().println("the folder's tokenizer is not written: " + e.getMessage()
                        + "; the file will need --tokenizer");
            }
            return GgufTokenizerMetadata.NONE;
        }
        Tokenizer found;
        try {
            found = ModelLoader.loadTokenizer(tokenizer, model, vocabSize);
        } catch (NoSuchFileException e) {
            if (tokenizer != null) {
                throw e;
            }
            terminal.err().println("no tokenizer.bin beside the model: the file will need --tokenizer");
            return GgufTokenizerMetadata.NONE;
        }
        return found instanceof Llama2cTokenizer runC ? GgufTokenizerMetadata.of(runC)
                : GgufTokenizerMetadata.of(LlamaCppConverter.vocabulary(tokenizer, vocabSize));
    }
}
