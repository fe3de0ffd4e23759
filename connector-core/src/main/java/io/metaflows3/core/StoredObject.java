package io.metaflows3.core;

/** An object a put call stored: the key it was given and the full URL it now has. */
public record StoredObject(String key, String url) {}
