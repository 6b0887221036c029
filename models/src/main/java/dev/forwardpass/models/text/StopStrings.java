package dev.forwardpass.models.text;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could be the start of a stop string is held back until the next
 * piece shows whether it is one, so that no part of a stop string is ever handed out.
 */
final class StopStrings {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStrings(List<String> stops) {
        this.stops = stops;
    }

    /** {@return the text of {@code piece} (and of what was held before it) that is certainly not part of a stop string} */
    String feed(String piece) {
        if (stopped) {
            return "";
        }
        held.append(piece);
        int earliest = -1;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest)) {
                earliest = at;
            }
        }
        if (earliest >= 0) {
            stopped = true;
            String before = take(earliest);
            held.setLength(0);
            return before;
        }
        return take(held.length() - longestStopPrefixAtEnd());
    }

    /** {@return whether a stop string has been seen} (the text from it on is dropped) */
    boolean stopped() {
        return stopped;
    }

    /** {@return the text held back at the end of a generation that found no stop string} */
    String finish() {
        return stopped ? "" : take(held.length());
    }

    /** {@return the length of the longest suffix of the held text that is a proper prefix of a stop string} */
    private int longestStopPrefixAtEnd() {
        int longest = 0;
        for (String stop : stops) {
            for (int length = Math.min(stop.length() - 1, held.length()); length > longest; length--) {
                if (heldEndsWith(stop, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }

    /** {@return whether the held text ends with the first {@code length} characters of {@code stop}} */
    private boolean heldEndsWith(String stop, int length) {
        int start = held.length() - length;
        for (int i = 0; i < length; i++) {
            if (held.charAt(start + i) != stop.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** {@return the first {@code length} held characters}, no longer held */
    private String take(int length) {
        String text = held.substring(0, length);
        held.delete(0, length);
        return text;
    }
}
