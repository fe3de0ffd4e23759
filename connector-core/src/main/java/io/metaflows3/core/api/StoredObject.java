package io.metaflows3.core.api;

/** An object a put call stored: the key it was given and the full URL it now has. */
public record StoredObject(String key, String url) {
  /** As metaflow prints the (key, url) pairs its put calls return: {@code ('fruit', 's3://bucket/fruit')}. */
  @Override
  public String toString() {
    return "('" + key + "', '" + url + "')";
  }
}
