/**
 * JMH benchmarks of every backend, run from one jar ({@code benchmarks/target/benchmarks.jar}) by
 * {@link dev.forwardpass.benchmarks.BenchmarkMain}.
 *
 * <ul>
 *   <li>Per op: {@link dev.forwardpass.benchmarks.MatVecBenchmark} (matrix × vector, a decode step's matmuls),
 *       {@link dev.forwardpass.benchmarks.MatMulBenchmark} (matrix × 128-row matrix, a prefill chunk's matmuls),
 *       {@link dev.forwardpass.benchmarks.RowOpsBenchmark} (rmsNorm, add),
 *       {@link dev.forwardpass.benchmarks.AttentionBenchmark} (a decoded token's, 110M shape) and
 *       {@link dev.forwardpass.benchmarks.PromptAttentionBenchmark} (a 128-token prompt's, stories260K's shape).
 *   <li>End to end: {@link dev.forwardpass.benchmarks.ForwardBenchmark}, one decoded token and one 128-token prefill
 *       of random-weight checkpoints with the shapes of the TinyStories 15M and 110M models (and the embedded
 *       stories260K itself).
 *   <li>The machine: {@link dev.forwardpass.benchmarks.MemoryBandwidthBenchmark}, a streaming sum over 1 GiB, the
 *       ceiling every decode figure is read against.
 * </ul>
 *
 * <p>Every benchmark reports the average time of one operation; the work one operation does (bytes read, floating
 * point operations) is stated in each class's javadoc, and {@code benchmarks/report.py} turns the times into GB/s and
 * GFLOP/s with those same counts.
 */
package dev.forwardpass.benchmarks;
