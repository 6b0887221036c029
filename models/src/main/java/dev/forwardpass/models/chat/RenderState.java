package dev.forwardpass.models.chat;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;

/**
 * What one render of a chat template has done so far: how many more steps it may take (template nodes visited and
 * turns of {@code range} loops: a bound on loops that print nothing, which the output limit does not catch), and the
 * message of a {@code raise_exception}. Jinjava records an error raised in an expression and renders on; the next
 * step ends the render instead, as Jinja's exception would.
 */
final class RenderState {
    /** The name the state is bound to in the render's context. */
    static final String KEY = "__forwardpass_render_state";

    private long stepsLeft;
    private String raised;

    RenderState(long maxSteps) {
        this.stepsLeft = maxSteps;
    }

    /** {@return the state of the render {@code interpreter} is running} */
    static RenderState of(JinjavaInterpreter interpreter) {
        return (RenderState) interpreter.getContext().get(KEY);
    }

    /** Jinjava's node pre-processor: one step. */
    static void beforeNode(Node node, JinjavaInterpreter interpreter) {
        of(interpreter).step(node.getLineNumber(), node.getStartPosition());
    }

    /** Counts one step (a node, a loop's turn), and ends the render once raised or out of steps. */
    void step(int line, int position) {
        if (raised != null || --stepsLeft < 0) {
            throw new InterpretException(raised != null ? raised
                    : "it runs too long (more than " + ChatTemplate.MAX_STEPS + " steps)", line, position);
        }
    }

    /** Records the template's {@code raise_exception(message)}. */
    void raise(String message) {
        if (raised == null) {
            raised = message;
        }
    }

    /** {@return the message of the template's {@code raise_exception}, or null if it raised none} */
    String raised() {
        return raised;
    }
}
