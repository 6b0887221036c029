package dev.forwardpass.models.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringsTest {
    @Test
    void textThatMayStartAStopStringWaitsForTheNextPiece() {
        StopStrings stops = new StopStrings(List.of("\nUser:"));
        assertEquals("Hello", stops.feed("Hello\n"));
        assertEquals("", stops.feed("Us"));
        assertEquals("\nUsual", stops.feed("ual"));
        assertFalse(stops.stopped());
        assertEquals(" end", stops.feed(" end"));
        assertEquals("", stops.finish());
    }

    @Test
    void aStopStringAcrossPiecesEndsTheTextBeforeIt() {
        StopStrings stops = new StopStrings(List.of("\nUser:"));
        assertEquals("Sure", stops.feed("Sure\nU"));
        assertEquals("", stops.feed("ser: next"));
        assertTrue(stops.stopped());
        assertEquals("", stops.feed("more"));
        assertEquals("", stops.finish());
    }

    @Test
    void theEarliestOfSeveralStopStringsWins() {
        StopStrings stops = new StopStrings(List.of("world", "lo w"));
        assertEquals("hel", stops.feed("hello world"));
        assertTrue(stops.stopped());
    }

    @Test
    void heldTextIsHandedOutAtTheEnd() {
        StopStrings stops = new StopStrings(List.of("THE END"));
        assertEquals("and so: ", stops.feed("and so: THE"));
        assertEquals("THE", stops.finish());
    }

    @Test
    void withoutStopStringsNothingIsHeld() {
        StopStrings stops = new StopStrings(List.of());
        assertEquals("abc", stops.feed("abc"));
        assertEquals("", stops.finish());
    }
}
