package dev.forwardpass.models.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.fn.Functions;
import java.util.AbstractList;
import java.util.Iterator;
import java.util.List;

/**
 * Jinja's {@code range}, whose turns count as steps of the render ({@link RenderState}): a loop over a range with
 * nothing in its body visits no node, so nested ones could otherwise spin for minutes.
 */
final class CountedRange extends AbstractList<Integer> {
    private final List<Integer> values;
    private final RenderState state;

    private CountedRange(List<Integer> values, RenderState state) {
        this.values = values;
        this.state = state;
    }

    /** {@return the definition that replaces Jinjava's {@code range}} */
    static ELFunctionDefinition function() {
        return new ELFunctionDefinition("", "range", CountedRange.class, "range", Object.class, Object[].class);
    }

    /** {@code range(stop)}, {@code range(start, stop[, step])}: Jinjava's, with its limit on the length. */
    private static List<Integer> range(Object first, Object... rest) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        return new CountedRange(Functions.range(first, rest), RenderState.of(interpreter));
    }

    @Override
    public Integer get(int index) {
        return values.get(index);
    }

    @Override
    public int size() {
        return values.size();
    }

    @Override
    public Iterator<Integer> iterator() {
        Iterator<Integer> inner = values.iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return inner.hasNext();
            }

            @Override
            public Integer next() {
                state.step(JinjavaInterpreter.getCurrent().getLineNumber(), -1);
                return inner.next();
            }
        };
    }
}
