package dev.forwardpass.benchmarks;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Draws the bar chart of {@code report.py} (the machine it runs on has no Python plotting library): one PNG with one
 * panel per value axis, stacked.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.forwardpass.benchmarks.ReportChart bars.tsv chart.png}, where each
 * line of {@code bars.tsv} is {@code panel TAB category TAB series TAB value}: the panel's title (its value axis, e.g.
 * {@code GB/s}), the bar group (e.g. {@code matvec 768x768}), the bar within the group (e.g. {@code java 2t}) and the
 * bar's height. Panels, groups and series keep the order in which they first appear.
 */
public final class ReportChart {
    private static final int WIDTH = 1400;
    private static final int PANEL_HEIGHT = 520;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xaec7e8), new Color(0xd62728), new Color(0xff9896),
        new Color(0x2ca02c), new Color(0x98df8a), new Color(0x7f7f7f), new Color(0xc7c7c7)};

    private ReportChart() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ReportChart BARS.tsv OUT.png");
            System.exit(2);
        }
        System.setProperty("java.awt.headless", "true");
        Map<String, DefaultCategoryDataset> panels = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            if (f.length != 4) {
                System.err.println(args[0] + ":" + (i + 1) + ": expected panel, category, series, value; found " + line);
                System.exit(2);
            }
            panels.computeIfAbsent(f[0], k -> new DefaultCategoryDataset())
                    .addValue(Double.parseDouble(f[3]), f[2], f[1]);
        }
        if (panels.isEmpty()) {
            System.err.println(args[0] + " has no bars");
            System.exit(2);
        }
        BufferedImage image = new BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        int top = 0;
        for (Map.Entry<String, DefaultCategoryDataset> panel : panels.entrySet()) {
            chart(panel.getKey(), panel.getValue()).draw(g, new Rectangle2D.Double(0, top, WIDTH, PANEL_HEIGHT));
            top += PANEL_HEIGHT;
        }
        g.dispose();
        ImageIO.write(image, "png", Path.of(args[1]).toFile());
    }

    private static JFreeChart chart(String title, DefaultCategoryDataset data) {
        JFreeChart chart = ChartFactory.createBarChart(title, null, title.replaceFirst(":.*", ""), data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.02);
        for (int s = 0; s < data.getRowCount(); s++) {
            renderer.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
        }
        return chart;
    }
}
