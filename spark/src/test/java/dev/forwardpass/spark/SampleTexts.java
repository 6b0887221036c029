package dev.forwardpass.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Short stories of one to three sentences in the style stories260K was trained on, the same for every run. */
public final class SampleTexts {
    private static final String[] NAMES = {"Lily", "Tom", "Sue", "Ben", "Mia", "Max"};
    private static final String[] THINGS = {"ball", "dog", "tree", "cake", "boat", "bird", "box", "hat"};
    private static final String[] SENTENCES = {
        "Once upon a time, there was a little girl named %1$s.", "%1$s loved to play with the %2$s.",
        "One day, %1$s saw a big %2$s in the park.", "%1$s was sad because the %2$s was broken.",
        "Mom said, \"%1$s, let's find the %2$s.\"", "They were happy and played with the %2$s all day.",
        "%1$s smiled and hugged the %2$s."};

    private SampleTexts() {}

    /** {@return {@code count} texts, each drawn from its own index} */
    public static List<String> of(int count) {
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SplittableRandom random = new SplittableRandom(i);
            StringBuilder text = new StringBuilder();
            for (int s = 1 + random.nextInt(3); s > 0; s--) {
                String sentence = SENTENCES[random.nextInt(SENTENCES.length)];
                String name = NAMES[random.nextInt(NAMES.length)];
                String thing = THINGS[random.nextInt(THINGS.length)];
                text.append(text.isEmpty() ? "" : " ").append(String.format(sentence, name, thing));
            }
            texts.add(text.toString());
        }
        return texts;
    }
}
