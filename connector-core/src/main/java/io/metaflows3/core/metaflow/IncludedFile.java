package io.metaflows3.core.metaflow;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A file included into a flow (metaflow's {@code IncludeFile}), as metaflow describes it: the descriptor its
 * parameter holds. {@link #descriptor()} is that JSON ({@code "type": "uploader-v2", "sub-type": "uploaded"}, the
 * URL, {@code is_text}, {@code encoding}, {@code size}), so a descriptor made here is one a Python flow loads, and
 * {@link #parse} reads descriptors Python made, of every uploader version.
 *
 * @param url where the content is: for an uploaded file, gzip-compressed at {@code <datatools root>/<Flow>/<sha1>}
 * @param type {@code uploader-v2}, {@code uploader-v1} or {@code external}
 * @param subType for {@code uploader-v2}: {@code uploaded} (stored by IncludeFile) or {@code external}; else null
 * @param encoding the text's encoding when {@code isText}; may be null for binary content
 * @param size the size of the uncompressed content, or -1 when the descriptor does not say
 */
public record IncludedFile(String url, String type, String subType, boolean isText, String encoding, long size) {
  private static final JsonMapper JSON = new JsonMapper();

  /** A file this client uploaded, described as metaflow's current uploader describes it. */
  public static IncludedFile uploaded(String url, boolean isText, String encoding, long size) {
    return new IncludedFile(url, "uploader-v2", "uploaded", isText, encoding, size);
  }

  /** Whether the content at {@link #url()} is the gzip IncludeFile made (not a file stored elsewhere). */
  public boolean compressed() {
    return type.equals("uploader-v1") || "uploaded".equals(subType);
  }

  /** The descriptor as metaflow's IncludeFile parameter holds it. */
  public String descriptor() {
    Map<String, Object> d = new LinkedHashMap<>();
    if (type.equals("uploader-v2")) {
      d.put("note", "Internal representation of IncludeFile");
    }
    d.put("type", type);
    if (subType != null) {
      d.put("sub-type", subType);
    }
    d.put("url", url);
    d.put("is_text", isText);
    d.put("encoding", encoding);
    if (size >= 0) {
      d.put("size", size);
    }
    try {
      return JSON.writeValueAsString(d);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a map of strings and numbers always renders as JSON", e);
    }
  }

  /** Reads a descriptor that metaflow (or {@link #descriptor()}) wrote. */
  public static IncludedFile parse(String descriptor) {
    try {
      JsonNode d = JSON.readTree(descriptor);
      String type = d.path("type").asText("");
      if (!type.equals("uploader-v2") && !type.equals("uploader-v1") && !type.equals("external")
          || !d.hasNonNull("url")) {
        throw new MetaflowS3Exception("not an IncludeFile descriptor (type uploader-v2, uploader-v1 or external, "
            + "and a url)", null);
      }
      return new IncludedFile(d.get("url").asText(), type, d.hasNonNull("sub-type") ? d.get("sub-type").asText() : null,
          d.path("is_text").asBoolean(false), d.hasNonNull("encoding") ? d.get("encoding").asText() : null,
          d.path("size").asLong(-1));
    } catch (JsonProcessingException e) {
      throw new MetaflowS3Exception("an IncludeFile descriptor is JSON", null, e);
    }
  }

  /** The content of a file this descriptor names, read from {@code stored}: uncompressed when IncludeFile stored it. */
  public byte[] content(InputStream stored) throws IOException {
    return compressed() ? new GZIPInputStream(stored).readAllBytes() : stored.readAllBytes();
  }

  /**
   * Gzips {@code file} into {@code gzip} as IncludeFile stores it (level 3) and returns the SHA-1 of the content,
   * the name it is stored under.
   */
  public static String gzip(Path file, Path gzip) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is part of every JVM", e);
    }
    try (InputStream in = Files.newInputStream(file);
        GZIPOutputStream out = new GZIPOutputStream(Files.newOutputStream(gzip), 1 << 16) {
          {
            def.setLevel(3);
          }
        }) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        out.write(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
