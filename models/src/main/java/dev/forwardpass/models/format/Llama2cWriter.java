package dev.forwardpass.models.format;

import static com.google.common.base.Preconditions.checkArgument;

import dev.forwardpass.api.DType;
import dev.forwardpass.api.RopeLayout;
import dev.forwardpass.models.llama.LlamaCheckpoint;
import dev.forwardpass.models.llama.LlamaConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a Llama checkpoint in llama2.c's legacy format (the one {@code run.c} reads): the seven-int header, the
 * weights grouped by kind in {@code memory_map_weights} order, the two rope tables export.py writes, and the
 * classifier when it is not shared. Used to make random-weight checkpoints of the public TinyStories shapes.
 */
public final class Llama2cWriter {
    private static final ValueLayout.OfFloat LITTLE_ENDIAN_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private Llama2cWriter() {}

    /** Writes {@code checkpoint} to {@code out}, replacing it. */
    public static void write(LlamaCheckpoint checkpoint, Path out) throws IOException {
        LlamaConfig c = checkpoint.config();
        checkArgument(c.ropeLayout() == RopeLayout.INTERLEAVED, "llama2.c checkpoints store rope pairs interleaved");
        checkArgument(c.headSize() * c.nHeads() == c.dim(), "llama2.c needs headSize * nHeads == dim");
        try (FileChannel channel = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer header = ByteBuffer.allocate(Llama2cCheckpoint.LEGACY_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.nLayers()).putInt(c.nHeads()).putInt(c.nKvHeads())
                    .putInt(checkpoint.sharedClassifier() ? c.vocabSize() : -c.vocabSize()).putInt(c.seqLen());
            writeFully(channel, header.flip());
            writeTensor(channel, checkpoint, "token_embd.weight");
            for (String kind : new String[] {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                    "ffn_gate", "ffn_down", "ffn_up"}) {
                for (int l = 0; l < c.nLayers(); l++) {
                    writeTensor(channel, checkpoint, "blk." + l + "." + kind + ".weight");
                }
            }
            writeTensor(channel, checkpoint, "output_norm.weight");
            writeRopeTables(channel, c);
            if (!checkpoint.sharedClassifier()) {
                writeTensor(channel, checkpoint, "output.weight");
            }
        }
    }

    private static void writeTensor(FileChannel channel, LlamaCheckpoint checkpoint, String name) throws IOException {
        TensorData t = checkpoint.tensor(name);
        checkArgument(t.dtype() == DType.F32, "llama2.c checkpoints are float32; %s is %s", name, t.dtype());
        writeFully(channel, t.data().asByteBuffer());
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
