package dev.forwardpass.models.tokenizer;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A BPE model as Hugging Face's {@code "model": {"type": "BPE", ...}} describes it: pieces with ids, ranked merges,
 * and what happens to a symbol that is not in the vocabulary.
 *
 * @param ids piece -> id (the model's vocabulary; added tokens are separate)
 * @param merges the ranked merges over ids
 * @param unk the id of the unknown token, or -1 if there is none (unknown symbols are then dropped, as Hugging
 *     Face's BPE drops them)
 * @param fuseUnk whether consecutive unknown symbols become one unknown token
 * @param ignoreMerges whether a piece that is in the vocabulary as a whole is taken as one token without merging
 *     (Llama 3)
 * @param byteTokens for byte fallback, the ids of {@code <0x00>..<0xFF>}; null without byte fallback
 */
record BpeVocabulary(Map<String, Integer> ids, BpeMerges merges, int unk, boolean fuseUnk, boolean ignoreMerges,
        int[] byteTokens) {

    /** {@return the largest id of the vocabulary, or -1 if it is empty} */
    int maxId() {
        return ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    /**
     * {@return the ids of one piece} {@code symbols} are its initial symbols as ids, -1 for a symbol not in the
     * vocabulary (mapped to {@link #unk}, fused or dropped); then the merges run.
     */
    int[] encode(String piece, List<int[]> symbols) {
        if (ignoreMerges) {
            Integer whole = ids.get(piece);
            if (whole != null) {
                return new int[] {whole};
            }
        }
        IntStream.Builder initial = IntStream.builder();
        boolean lastWasUnk = false;
        for (int[] ids : symbols) {
            for (int id : ids) {
                if (id >= 0) {
                    initial.add(id);
                    lastWasUnk = false;
                } else if (unk >= 0 && !(fuseUnk && lastWasUnk)) {
                    initial.add(unk);
                    lastWasUnk = true;
                }
            }
        }
        return merges.merge(initial.build().toArray());
    }
}
