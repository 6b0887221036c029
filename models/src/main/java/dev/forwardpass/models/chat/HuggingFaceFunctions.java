package dev.forwardpass.models.chat;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.List;
import jinjava.javax.el.ELException;

/**
 * The functions Hugging Face's chat renderer ({@code apply_chat_template}) adds to Jinja's globals and templates call:
 * {@code raise_exception(message)} and {@code strftime_now(format)}.
 */
final class HuggingFaceFunctions {
    private HuggingFaceFunctions() {}

    /** {@return the definitions to register in Jinjava's global context} */
    static List<ELFunctionDefinition> all() {
        return List.of(new ELFunctionDefinition("", "raise_exception", HuggingFaceFunctions.class, "raiseException",
                        String.class),
                new ELFunctionDefinition("", "strftime_now", HuggingFaceFunctions.class, "strftimeNow", String.class));
    }

    /** {@code raise_exception(message)}: ends the render with the template's message. */
    private static Object raiseException(String message) {
        RenderState.of(JinjavaInterpreter.getCurrent()).raise(message);
        throw new ELException(message);
    }

    /** {@code strftime_now(format)}: Python's {@code datetime.now().strftime(format)}, on the template's clock. */
    private static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        Instant now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis());
        return StrftimeFormatter.format(ZonedDateTime.ofInstant(now, config.getTimeZone()), format, config.getLocale());
    }
}
