package dev.forwardpass.models.chat;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;

/**
 * What one render of a chat template has done so far: how many more template nodes it may visit (a bound on loops
 * that print nothing, which the output limit does not catch), and the message of a {@code raise_exception}. Jinjava
 * records an error raised in an expression and renders on; visiting the next node ends the render instead, as
 * Jinja's exception would.
 */
final class RenderState {
    /** The name the state is bound to in the render's context. */
    static final String KEY = "__forwardpass_render_state";

    private long nodesLeft;
    private String raised;

    RenderState(long maxNodes) {
        this.nodesLeft = maxNodes;
    }

    /** {@return the state of the render {@code interpreter} is running} */
    static RenderState of(JinjavaInterpreter interpreter) {
        return (RenderState) interpreter.getContext().get(KEY);
    }

    /** Jinjava's node pre-processor: counts the node, and ends the render once raised or out of nodes. */
    static void beforeNode(Node node, JinjavaInterpreter interpreter) {
        RenderState state = of(interpreter);
        if (state.raised != null || --state.nodesLeft < 0) {
            throw new InterpretException(state.raised != null ? state.raised
                    : "the chat template ran too long (more than its limit of template steps)", node.getLineNumber(),
                    node.getStartPosition());
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
