package dev.forwardpass.models.decoder;

/** Whether a model of a given config has a tensor. */
public enum Presence {
    /** every checkpoint of this config holds it */
    REQUIRED,
    /** used when the checkpoint holds it, left out when not (e.g. a bias some files have) */
    OPTIONAL,
    /** this config has no such tensor: not read even if a file holds it */
    ABSENT
}
