# Sourced by the launcher, the test script, or a shell before mvn: finds a JDK >= 25 and exports JAVA_HOME and PATH
# for it.
# Looks at $JAVA_HOME first, then every JDK under /usr/lib/jvm; says clearly what is missing otherwise.

forwardpass_jdk_major() {
    # sets major to the major version of the JDK at $1 (from its 'release' file), or to nothing; read in bash, as
    # the launcher sources this on every run and a fork per candidate JDK costs more than the rest
    local line
    major=
    [ -f "$1/release" ] && [ -x "$1/bin/javac" ] || return 0
    while read -r line; do
        if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
            major="${BASH_REMATCH[1]}"
            return 0
        fi
    done < "$1/release"
}

forwardpass_find_jdk() {
    # sets FORWARDPASS_JDK to the first JDK >= 25, or fails
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -d "$candidate" ] || continue
        forwardpass_jdk_major "$candidate"
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            FORWARDPASS_JDK="$candidate"
            return 0
        fi
    done
    return 1
}

if ! forwardpass_find_jdk; then
    echo "forwardpass: needs a JDK 25 or newer (with javac), for the Vector API and FFM." >&2
    echo "  looked at: JAVA_HOME=${JAVA_HOME:-<unset>} and /usr/lib/jvm/*" >&2
    echo "  install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
    return 1
fi
export JAVA_HOME="$FORWARDPASS_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own Guava calls sun.misc.Unsafe, which a JDK >= 24 warns about on every build. The flag is here, not in
# .mvn/jvm.config, because a JDK 17 refuses it before Maven can say that a JDK 25 is needed.
export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow ${MAVEN_OPTS:-}"
if ! command -v mvn >/dev/null 2>&1; then
    echo "forwardpass: needs Apache Maven (mvn) on the PATH to build (e.g. 'apt-get install maven')." >&2
    return 1
fi
