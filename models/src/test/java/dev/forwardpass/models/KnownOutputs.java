package dev.forwardpass.models;

/**
 * What llama2.c's reference program prints for the embedded stories260K model: the golden outputs every backend
 * must reproduce byte for byte (without run.c's final newline).
 */
public final class KnownOutputs {
    private KnownOutputs() {}

    /** ../shared/models/README.md: run.c, temperature 0, 200 steps, no prompt. */
    public static final String GREEDY_200 = """
            Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.
            Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to play with your ball, but I can't find it."
            Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
            Lily didn't want to help her mom, so she""";

    /** llama2.c's doc/stories260K.md: {@code ./run stories260K.bin -z tok512.bin -t 1.0 -p 0.9 -s 133742}. */
    public static final String SAMPLED_SEED_133742 = """
            Once upon a time, there was a little boy named Timmy. Timmy loved to play with his toys and eat sandwiches. One day, Timmy's mom told him it was time to rest for a while. Timmy's friend Billy came over and took him a down.
            Timmy's mom saw that Timmy was sad, but Timmy said, "I didn't understand what is it! We need to find some leafs." Timmy thought about it and took a deep breath on a spoon. He hoped it was important to be kind and continued to find its image next time.
            After they finished getting, Timmy's dad came up to his house and promised to help Timmy.""";
}
