package dev.forwardpass.models.llama2c;

import static com.google.common.base.Preconditions.checkArgument;
import static dev.forwardpass.models.llama.LlamaTensors.CLASSIFIER;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.api.Shape;
import dev.forwardpass.models.decoder.Checkpoint;
import dev.forwardpass.models.decoder.TensorTable;
import dev.forwardpass.models.format.OutputFiles;
import dev.forwardpass.models.format.TensorData;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Writes a Llama checkpoint in llama2.c's legacy format (the one {@code run.c} reads): the seven-int header, the
 * weights in {@link Llama2cLayout#LEGACY} order, the two rope tables export.py writes, and the classifier when it is
 * not shared. Used to make random-weight checkpoints of the public TinyStories shapes.
 */
public final class Llama2cWriter {
    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Llama2cWriter() {}

    /**
     * Writes {@code checkpoint} to {@code out}, replacing it once complete ({@link OutputFiles#replace}).
     *
     * @throws IllegalArgumentException if the checkpoint holds what llama2.c cannot store (a bias, half-split rope
     *     pairs, a tensor that is not float32)
     */
    public static void write(Checkpoint<LlamaConfig> checkpoint, Path out) throws IOException {
        LlamaConfig c = checkpoint.config();
        checkArgument(c.ropeLayout() == RopeLayout.INTERLEAVED, "llama2.c checkpoints store rope pairs interleaved");
        checkArgument(c.headSize() * c.nHeads() == c.dim(), "llama2.c needs headSize * nHeads == dim");
        for (TensorTable.Entry<LlamaConfig> entry : checkpoint.architecture().tensors().entries(c.nLayers())) {
            checkArgument(Llama2cLayout.LEGACY.contains(entry.spec()) || !checkpoint.has(entry.name()),
                    "llama2.c checkpoints cannot hold %s", entry.name());
        }
        boolean shared = !checkpoint.has(CLASSIFIER.name());
        OutputFiles.replace(out, channel -> {
            ByteBuffer header = ByteBuffer.allocate(Llama2cCheckpoint.LEGACY_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.nLayers()).putInt(c.nHeads()).putInt(c.nKvHeads())
                    .putInt(shared ? c.vocabSize() : -c.vocabSize()).putInt(c.seqLen());
            writeFully(channel, header.flip());
            Llama2cLayout.walk(c, 0, shared, new Llama2cLayout.Visitor<IOException>() {
                @Override
                public void tensor(String name, Shape shape) throws IOException {
                    TensorData t = checkpoint.tensor(name);
                    checkArgument(t.dtype() == DType.F32, "llama2.c checkpoints are float32; %s is %s", name,
                            t.dtype());
                    writeFully(channel, t.data().asByteBuffer());
                }

                @Override
                public void ropeTables(LlamaConfig config) throws IOException {
                    writeRopeTables(channel, config);
                }
            });
        });
    }

    /** freq_cis_real and freq_cis_imag: cos and sin of pos · θ_i, (seqLen, headSize / 2) each; run.c skips them. */
    private static void writeRopeTables(FileChannel channel, LlamaConfig c) throws IOException {
        var rope = c.rope();
        int pairs = c.headSize() / 2;
        MemorySegment cos = MemorySegment.ofArray(new byte[c.seqLen() * pairs * 4]);
        MemorySegment sin = MemorySegment.ofArray(new byte[c.seqLen() * pairs * 4]);
        for (int pos = 0; pos < c.seqLen(); pos++) {
            for (int i = 0; i < pairs; i++) {
                float angle = pos * rope.inverseFrequency(i);
                cos.setAtIndex(LITTLE_ENDIAN_FLOAT, (long) pos * pairs + i, (float) Math.cos(angle));
                sin.setAtIndex(LITTLE_ENDIAN_FLOAT, (long) pos * pairs + i, (float) Math.sin(angle));
            }
        }
        writeFully(channel, cos.asByteBuffer());
        writeFully(channel, sin.asByteBuffer());
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
