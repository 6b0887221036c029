package dev.forwardpass.models.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The pre-tokenizers a GGUF file names in {@code tokenizer.ggml.pre}, as llama.cpp's {@code llama-vocab.cpp} defines
 * them: regexes applied in turn, each cutting every piece so far at its matches (the matches and the text between
 * them both become pieces: Hugging Face's Sequence of Isolated Splits), before the byte-level BPE. The regexes are
 * those of the models' tokenizer.json files (llama.cpp's rewrites of {@code (?i:...)} are not needed: Java's regex
 * has it), compiled once here; each was checked against llama.cpp's tokenizer test vectors where they exist.
 */
enum LlamaCppPreTokenizer {
    /** llama.cpp's fallback for files that name none, with punctuation and digits cut first. */
    DEFAULT(List.of("default"), false, false,
            "[\\p{P}\\$\\+<=>\\^~\\|]+", TextPipeline.GPT2_PATTERN, "\\p{N}+", "[0-9][0-9][0-9]"),
    /** GPT-2's pattern ({@code encoder.py}); GPT-NeoX's tokenizer (MPT) uses it too. */
    GPT2(List.of("gpt-2", "mpt", "phi-2", "olmo"), false, false, TextPipeline.GPT2_PATTERN),
    /** Llama 3: letters keep one leading non-letter, digits in threes; whole words in the vocabulary skip merging. */
    LLAMA3(List.of("llama-bpe", "llama3", "llama-v3", "falcon3"), true, true,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /** Qwen2: Llama 3's pattern with single digits. */
    QWEN2(List.of("qwen2", "deepseek-r1-qwen", "megrez", "stablelm2"), false, false,
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
    /**
     * DeepSeek LLM: line breaks, words of cased letters, ASCII and full-width punctuation, CJK runs. The letters that
     * Unicode normalization would replace (Kelvin and ohm signs, Greek with oxia) are escaped, so no editor can.
     */
    DEEPSEEK_LLM(List.of("deepseek-llm"), false, false,
            "[\\r\\n]",
            "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕ"
                    + "ἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1f7dᾀ-ᾴᾶ-ᾼ\u1fbeῂ-ῄῆ-ῌῐ-\u1fd3ῖ-\u1fdbῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212a-ℭ"
                    + "ℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
            "\\s?[!-/:-~！-／：-～‘-‟　-。]+",
            "\\s+\\z", // tokenizer.json's "\s+$": its pieces hold no line break, so $ can only be their end
            "[一-龥ࠀ-一가-퟿]+",
            "\\p{N}+"),
    /** DeepSeek Coder: line breaks, words, punctuation, CJK runs, single digits. */
    DEEPSEEK_CODER(List.of("deepseek-coder"), false, false,
            "[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"),
    /** Falcon: runs of punctuation first, GPT-2's pattern, then digits in threes. */
    FALCON(List.of("falcon"), false, false,
            TextPipeline.PUNCTUATION + "+", TextPipeline.GPT2_PATTERN, "[0-9][0-9][0-9]"),
    /** StarCoder and Refact: single digits, then GPT-2's pattern. */
    STARCODER(List.of("starcoder", "refact", "command-r", "smollm", "codeshell"), false, false,
            "\\p{N}", TextPipeline.GPT2_PATTERN);

    /** The values of {@code tokenizer.ggml.pre} that name it. */
    final List<String> names;
    /** Whether a piece that is in the vocabulary as a whole is one token, unmerged (Hugging Face's ignore_merges). */
    final boolean ignoresMerges;
    /** Whether the tokenizer adds BOS when the file does not say ({@code tokenizer.ggml.add_bos_token}). */
    final boolean addsBos;
    /** The regexes in turn. */
    final TextPipeline.PreTokenizer preTokenizer;

    LlamaCppPreTokenizer(List<String> names, boolean ignoresMerges, boolean addsBos, String... regexes) {
        this.names = names;
        this.ignoresMerges = ignoresMerges;
        this.addsBos = addsBos;
        TextPipeline.PreTokenizer chain = TextPipeline.PreTokenizer.NONE;
        for (String regex : regexes) {
            chain = chain.then(TextPipeline.regexSplit(TextPipeline.compile(regex)::matcher,
                    TextPipeline.SplitBehavior.ISOLATED));
        }
        this.preTokenizer = chain;
    }

    /** {@return the pre-tokenizer named {@code name}, or null if it is not one of these} */
    static LlamaCppPreTokenizer named(String name) {
        for (LlamaCppPreTokenizer p : values()) {
            if (p.names.contains(name)) {
                return p;
            }
        }
        return null;
    }

    /** {@return every supported name, comma-separated} */
    static String supportedNames() {
        return Arrays.stream(values()).flatMap(p -> p.names.stream()).collect(Collectors.joining(", "));
    }
}
