package dev.forwardpass.cli;

import dev.forwardpass.models.analysis.ModelComparison;
import dev.forwardpass.models.analysis.ModelComparison.Position;
import dev.forwardpass.models.format.OutputFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The PNG of {@code compare --plot}: entropy and actual-next-token probability per position, trained vs empty. */
final class ComparisonChart {
    private ComparisonChart() {}

    static void write(ModelComparison.Result result, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeries trainedEntropy = new XYSeries("trained: entropy");
        XYSeries emptyEntropy = new XYSeries("empty: entropy");
        XYSeries uniform = new XYSeries("ln V (uniform)");
        XYSeries trainedProb = new XYSeries("trained: p(next)");
        XYSeries emptyProb = new XYSeries("empty: p(next)");
        for (Position p : result.positions()) {
            trainedEntropy.add(p.position(), p.trained().entropy());
            emptyEntropy.add(p.position(), p.empty().entropy());
            uniform.add(p.position(), result.maxEntropy());
            trainedProb.add(p.position(), p.trained().nextTokenProb());
            emptyProb.add(p.position(), p.empty().nextTokenProb());
        }
        XYSeriesCollection entropy = new XYSeriesCollection();
        entropy.addSeries(trainedEntropy);
        entropy.addSeries(emptyEntropy);
        entropy.addSeries(uniform);
        XYSeriesCollection probability = new XYSeriesCollection();
        probability.addSeries(trainedProb);
        probability.addSeries(emptyProb);

        NumberAxis entropyAxis = new NumberAxis("entropy (nats)");
        entropyAxis.setAutoRangeIncludesZero(true);
        XYPlot entropyPlot = new XYPlot(entropy, null, entropyAxis, renderer(3));
        NumberAxis probabilityAxis = new NumberAxis("p(actual next token)");
        probabilityAxis.setRange(0, 1);
        XYPlot probabilityPlot = new XYPlot(probability, null, probabilityAxis, renderer(2));

        NumberAxis positionAxis = new NumberAxis("position");
        positionAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(positionAxis);
        plot.setGap(12);
        plot.add(entropyPlot, 1);
        plot.add(probabilityPlot, 1);
        JFreeChart chart = new JFreeChart("Trained vs empty weights: same code, " + String.format("perplexity %.1f vs %.1f",
                result.trained().perplexity(), result.empty().perplexity()), JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        OutputFiles.replace(png, channel -> {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel));
            ChartUtils.writeChartAsPNG(out, chart, 1000, 700);
            out.flush();
        });
    }

    private static XYLineAndShapeRenderer renderer(int series) {
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), Color.GRAY};
        for (int i = 0; i < series; i++) {
            renderer.setSeriesPaint(i, colors[i]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        if (series == 3) {
            renderer.setSeriesShapesVisible(2, false);
            renderer.setSeriesStroke(2, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
        }
        return renderer;
    }
}
