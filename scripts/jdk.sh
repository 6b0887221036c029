# Sourced by the launcher, the test script, or a shell before mvn: finds a JDK >= 25 and exports JAVA_HOME and PATH
# for it.
# Looks at $JAVA_HOME first, then every JDK under /usr/lib/jvm; says clearly what is missing otherwise.

forwardpass_jdk_major() {
    # prints the major version of the JDK at $1 (from its 'release' file), or nothing
    local release="$1/release"
    [ -f "$release" ] && [ -x "$1/bin/javac" ] || return 0
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n 1
}

forwardpass_find_jdk() {
    local candidate major
    for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
        [ -n "$candidate" ] && [ -d "$candidate" ] || continue
        major=$(forwardpass_jdk_major "$candidate")
        if [ -n "$major" ] && [ "$major" -ge 25 ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! FORWARDPASS_JDK=$(forwardpass_find_jdk); then
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
