package dev.forwardpass.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code chat} on the embedded model, which has no chat template of its own: the tests give it one. */
class ChatCommandTest {
    static Path template() throws URISyntaxException {
        return Path.of(ChatCommandTest.class.getResource("/story-chat-template.jinja").toURI());
    }

    @Test
    void oneMessageIsAnsweredAndTheToolExits() throws Exception {
        CliRunner run = CliRunner.run("chat", "--chat-template", template().toString(), "--message",
                "Lily had a red ball.", "-t", "0", "--max-tokens", "30");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().endsWith("\n"), run.out());
        assertTrue(run.out().strip().length() > 20, run.out());
        // greedy: the same answer twice
        CliRunner again = CliRunner.run("chat", "--chat-template", template().toString(), "--message",
                "Lily had a red ball.", "-t", "0", "--max-tokens", "30");
        assertEquals(run.out(), again.out());
    }

    @Test
    void aConversationReadsTurnsUntilExit() throws Exception {
        CliRunner run = CliRunner.runWithInput("Tom saw a dog.\n\nThe dog ran away.\n/exit\nnever read\n", "chat",
                "--chat-template", template().toString(), "--system", "A story for children.", "-t", "0",
                "--max-tokens", "12", "--stop", "\n");
        assertEquals(0, run.exitCode(), run.err());
        // two answers, one line each (the stop string ends an answer at its first newline)
        assertEquals(2, run.out().lines().count(), run.out());
        assertEquals(5, run.err().split("> ", -1).length, run.err()); // four prompts: two turns, a blank line, /exit
    }

    @Test
    void aModelWithoutATemplateNamesTheOptionToPassOne() {
        CliRunner run = CliRunner.run("chat", "--message", "hello");
        assertEquals(2, run.exitCode());
        assertEquals(1, run.errLines(), run.err());
        assertTrue(run.err().contains("--chat-template FILE"), run.err());
    }

    @Test
    void aBrokenTemplateIsOneLine(@TempDir Path dir) throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.jinja"), "{% for m in messages %}{{ m.content }");
        CliRunner run = CliRunner.run("chat", "--chat-template", broken.toString(), "--message", "hello");
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines(), run.err());
        Path raising = Files.writeString(dir.resolve("raising.jinja"),
                "{{ raise_exception('Conversation roles must alternate user/assistant') }}");
        CliRunner raised = CliRunner.run("chat", "--chat-template", raising.toString(), "--message", "hello");
        assertEquals(2, raised.exitCode(), raised.err());
        assertTrue(raised.err().contains("Conversation roles must alternate user/assistant"), raised.err());
        assertFalse(raised.err().contains("Exception"), raised.err());
    }

    @Test
    void aTemplateFileThatIsNotUtf8NamesTheFileAndTheByte(@TempDir Path dir) throws IOException {
        Path latin1 = Files.write(dir.resolve("latin1.jinja"), new byte[] {'{', '{', ' ', (byte) 0xE9, ' ', '}', '}'});
        CliRunner run = CliRunner.run("chat", "--chat-template", latin1.toString(), "--message", "hello");
        String error = run.assertOneLineError(65);
        assertTrue(error.contains(latin1.toString()) && error.contains("offset 3"), error);
    }

    @Test
    void badSamplingIsAUsageError() throws Exception {
        CliRunner run = CliRunner.run("chat", "--chat-template", template().toString(), "--message", "hi",
                "--top-k", "-1");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("top_k"), run.err());
    }
}
