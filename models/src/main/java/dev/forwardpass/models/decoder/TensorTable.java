package dev.forwardpass.models.decoder;

import dev.forwardpass.api.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * An architecture's tensors, in one declarative table (see {@code LlamaTensors}): what every reader, writer,
 * initialiser and uploader of the family works from.
 *
 * @param tensors every tensor, in the table's order (a tied tensor after the one it is tied to)
 * @param huggingFacePrefix what a Hugging Face checkpoint may put before every name ({@code model.}); files saved
 *     without it are read too
 * @param huggingFaceLayerPrefix what comes before a block's names, followed by the layer and a dot ({@code layers.})
 * @param <C> the family's config
 */
public record TensorTable<C>(List<TensorSpec<C>> tensors, String huggingFacePrefix, String huggingFaceLayerPrefix) {

    public TensorTable {
        tensors = List.copyOf(tensors);
    }

    /** {@return a builder whose rows will be read from Hugging Face files with these prefixes} */
    public static <C> Builder<C> builder(String huggingFacePrefix, String huggingFaceLayerPrefix) {
        return new Builder<>(huggingFacePrefix, huggingFaceLayerPrefix);
    }

    /** {@return the number of rows} */
    public int size() {
        return tensors.size();
    }

    /**
     * A tensor of a model: a row of the table and, for a block's tensor, its layer.
     *
     * @param spec the row
     * @param layer the block, or -1 outside the blocks
     * @param name the full name, {@code blk.3.attn_q.weight}
     */
    public record Entry<C>(TensorSpec<C> spec, int layer, String name) {}

    /** {@return every tensor of a model of {@code nLayers} blocks: those outside the blocks, then block by block} */
    public List<Entry<C>> entries(int nLayers) {
        List<Entry<C>> entries = new ArrayList<>();
        for (TensorSpec<C> spec : tensors) {
            if (!spec.perLayer()) {
                entries.add(new Entry<>(spec, -1, spec.name()));
            }
        }
        for (int l = 0; l < nLayers; l++) {
            for (TensorSpec<C> spec : tensors) {
                if (spec.perLayer()) {
                    entries.add(new Entry<>(spec, l, spec.name(l)));
                }
            }
        }
        return entries;
    }

    /** {@return always present} */
    public static <C> Function<C, Presence> required() {
        return c -> Presence.REQUIRED;
    }

    /** {@return present when the checkpoint holds it} */
    public static <C> Function<C, Presence> optional() {
        return c -> Presence.OPTIONAL;
    }

    /** {@return present exactly when the config says so} */
    public static <C> Function<C, Presence> when(Predicate<C> configHasIt) {
        return c -> configHasIt.test(c) ? Presence.REQUIRED : Presence.ABSENT;
    }

    /** Declares a table row by row; each row is handed back so the family can name it as a constant. */
    public static final class Builder<C> {
        private final String huggingFacePrefix;
        private final String huggingFaceLayerPrefix;
        private final List<TensorSpec<C>> tensors = new ArrayList<>();

        private Builder(String huggingFacePrefix, String huggingFaceLayerPrefix) {
            this.huggingFacePrefix = huggingFacePrefix;
            this.huggingFaceLayerPrefix = huggingFaceLayerPrefix;
        }

        /** {@return a new row for a tensor outside the blocks} */
        public TensorSpec<C> global(String ggufName, Function<C, Shape> shape, Function<C, Presence> presence,
                HuggingFaceName huggingFace) {
            return add(new TensorSpec<>(tensors.size(), ggufName, false, shape, presence, null, huggingFace, null));
        }

        /** {@return a new row for a tensor every block has} */
        public TensorSpec<C> layer(String ggufName, Function<C, Shape> shape, Function<C, Presence> presence,
                HuggingFaceName huggingFace) {
            return add(new TensorSpec<>(tensors.size(), ggufName, true, shape, presence, null, huggingFace, null));
        }

        /** {@return a new row for a tensor every block has, which GGUF files fuse with others as {@code gguf} says} */
        public TensorSpec<C> layer(String name, GgufPart gguf, Function<C, Shape> shape,
                Function<C, Presence> presence, HuggingFaceName huggingFace) {
            return add(new TensorSpec<>(tensors.size(), name, true, shape, presence, null, huggingFace, gguf));
        }

        /** {@return a new row for a tensor outside the blocks that a checkpoint may tie to {@code tiedTo}} */
        public TensorSpec<C> tied(String ggufName, Function<C, Shape> shape, TensorSpec<C> tiedTo,
                HuggingFaceName huggingFace) {
            if (tiedTo.perLayer()) {
                throw new IllegalArgumentException("a tensor can only be tied to one outside the blocks: " + tiedTo);
            }
            return add(new TensorSpec<>(tensors.size(), ggufName, false, shape, required(), tiedTo, huggingFace,
                    null));
        }

        private TensorSpec<C> add(TensorSpec<C> spec) {
            for (TensorSpec<C> t : tensors) {
                if (t.ggufName().equals(spec.ggufName())) {
                    throw new IllegalArgumentException("two rows named " + spec.ggufName());
                }
            }
            tensors.add(spec);
            return spec;
        }

        /** {@return the table} */
        public TensorTable<C> build() {
            return new TensorTable<>(tensors, huggingFacePrefix, huggingFaceLayerPrefix);
        }
    }
}
