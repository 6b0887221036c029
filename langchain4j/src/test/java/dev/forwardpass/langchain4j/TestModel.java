package dev.forwardpass.langchain4j;

import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The embedded stories260K, which has no chat template, with a small one of the tests' own. */
final class TestModel {
    private TestModel() {}

    /** {@return the chat template: each turn as "role: content" on a line, then "assistant:"} */
    static Path chatTemplate() {
        try {
            return Path.of(TestModel.class.getResource("/role-colon.jinja").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@return the embedded model, one thread, with {@link #chatTemplate()}} */
    static TextModel load() throws IOException {
        return TextModel.load(TextModel.Options.defaults().withThreads(1).withChatTemplate(chatTemplate()));
    }
}
