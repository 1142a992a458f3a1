package dev.flash.checkpoint.internal;

import dev.flash.checkpoint.CheckpointFile;
import dev.flash.checkpoint.CheckpointKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads and writes manifests (format in docs/CHECKPOINTS.md). Unknown fields are ignored on read.
 * Reads with streaming jackson-core rather than databind (a trainer process or the CLI starts up
 * ~100 ms faster); writes by hand, in the layout jackson-core's pretty printer used to write.
 */
public final class ManifestCodec {
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
  private static final String PLACEHOLDER = "0".repeat(64);

  private ManifestCodec() {}

  /** The manifest as JSON, laid out like Jackson's default pretty printer (docs/CHECKPOINTS.md shows it). */
  public static byte[] write(Manifest m) {
    StringBuilder j = new StringBuilder(512);
    render(j, m);
    return j.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The JSON of a manifest whose sha256 is still being computed. Writing a manifest takes 0.2 ms
   * interpreted, and a trainer commits too rarely for the JIT to compile it: written while the hash
   * thread works, it is off the commit's critical path, and {@link Pending#complete} only fills in
   * the 64 hex digits.
   */
  public static Pending pending(Manifest m) {
    StringBuilder j = new StringBuilder(512);
    int shaAt = render(j, m.withSha256(PLACEHOLDER));
    int byteOffset = j.substring(0, shaAt).getBytes(StandardCharsets.UTF_8).length;
    return new Pending(m, j.toString().getBytes(StandardCharsets.UTF_8), byteOffset);
  }

  /** A manifest written but for its sha256. */
  public static final class Pending {
    private final Manifest manifest;
    private final byte[] json;
    private final int shaAt;

    private Pending(Manifest manifest, byte[] json, int shaAt) {
      this.manifest = manifest;
      this.json = json;
      this.shaAt = shaAt;
    }

    /** The finished manifest. */
    public Manifest manifest(String sha256) {
      return manifest.withSha256(sha256);
    }

    /** The finished JSON: {@code sha256} (64 lower-case hex digits) in place of the placeholder. */
    public byte[] complete(String sha256) {
      byte[] out = json.clone();
      System.arraycopy(sha256.getBytes(StandardCharsets.US_ASCII), 0, out, shaAt, PLACEHOLDER.length());
      return out;
    }
  }

  /** Appends the JSON of {@code m} to {@code j}; returns the index where the sha256's digits start. */
  private static int render(StringBuilder j, Manifest m) {
    j.append("{\n");
    string(j, "  ", "format", m.format()).append(",\n");
    number(j, "  ", "step", m.step()).append(",\n");
    string(j, "  ", "kind", m.kind().jsonName()).append(",\n");
    string(j, "  ", "payload", m.payload()).append(",\n");
    number(j, "  ", "size", m.size()).append(",\n");
    int shaAt = j.length() + "  \"sha256\" : \"".length();
    string(j, "  ", "sha256", m.sha256()).append(",\n");
    if (m.kind() == CheckpointKind.DIRECTORY) {
      j.append("  \"files\" : [");
      String separator = " {\n";
      for (CheckpointFile f : Manifest.sorted(m.files())) {
        j.append(separator);
        string(j, "    ", "path", f.path()).append(",\n");
        number(j, "    ", "size", f.size()).append(",\n");
        string(j, "    ", "sha256", f.sha256()).append("\n  }");
        separator = ", {\n";
      }
      j.append(" ],\n");
    }
    string(j, "  ", "created", m.created().toString()).append(",\n");
    string(j, "  ", "producer", m.producer()).append("\n}\n");
    return shaAt;
  }

  private static StringBuilder number(StringBuilder j, String indent, String name, long value) {
    return j.append(indent).append('"').append(name).append("\" : ").append(value);
  }

  /** A JSON string (RFC 8259, section 7): quote, backslash, control and surrogate characters escaped. */
  private static StringBuilder string(StringBuilder j, String indent, String name, String value) {
    j.append(indent).append('"').append(name).append("\" : \"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        j.append('\\').append(c);
      } else if (c == '\n') {
        j.append("\\n");
      } else if (c == '\r') {
        j.append("\\r");
      } else if (c == '\t') {
        j.append("\\t");
      } else if (c == '\b') {
        j.append("\\b");
      } else if (c == '\f') {
        j.append("\\f");
      } else if (c < 0x20 || Character.isSurrogate(c)) {
        // As jackson-core wrote them: a surrogate pair as two escapes, so a lone one stays intact.
        String hex = Integer.toHexString(c).toUpperCase(Locale.ROOT);
        j.append("\\u").append("0".repeat(4 - hex.length())).append(hex);
      } else {
        j.append(c);
      }
    }
    return j.append('"');
  }

  /** Parses a manifest; the exception message says which field is wrong. */
  public static Manifest read(byte[] bytes) throws InvalidManifestException {
    Object parsed;
    try {
      parsed = Json.parse(bytes);
    } catch (IOException e) {
      throw new InvalidManifestException("manifest is not valid JSON (" + firstLine(e.getMessage()) + ")");
    }
    if (!(parsed instanceof Map)) {
      throw new InvalidManifestException("manifest is not a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> root = (Map<String, Object>) parsed;
    String format = text(root, "format");
    if (!format.equals(Layout.FORMAT) && !format.startsWith(Layout.FORMAT + ".")) {
      throw new InvalidManifestException("format is '" + format + "', expected '" + Layout.FORMAT + "'");
    }
    long step = number(root, "step");
    String kindName = text(root, "kind");
    CheckpointKind kind;
    if (kindName.equals("file")) {
      kind = CheckpointKind.FILE;
    } else if (kindName.equals("directory")) {
      kind = CheckpointKind.DIRECTORY;
    } else {
      throw new InvalidManifestException("kind is '" + kindName + "', expected 'file' or 'directory'");
    }
    String payload = text(root, "payload");
    long size = number(root, "size");
    String sha = sha(root, "sha256");
    List<CheckpointFile> files = new ArrayList<>();
    if (kind == CheckpointKind.DIRECTORY) {
      if (!(root.get("files") instanceof List)) {
        throw new InvalidManifestException("files is missing; a directory manifest lists its files");
      }
      for (Object o : (List<?>) root.get("files")) {
        if (!(o instanceof Map)) {
          throw new InvalidManifestException("files holds something other than {path, size, sha256} objects");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> f = (Map<String, Object>) o;
        files.add(new CheckpointFile(text(f, "path"), number(f, "size"), sha(f, "sha256")));
      }
    }
    Instant created;
    try {
      created = Instant.parse(text(root, "created"));
    } catch (DateTimeParseException e) {
      throw new InvalidManifestException("created is not an ISO-8601 instant such as 2025-01-01T00:00:00Z");
    }
    Object producer = root.get("producer");
    return new Manifest(format, step, kind, payload, size, sha, files, created,
        producer instanceof String ? (String) producer : "");
  }

  private static String text(Map<String, Object> n, String field) throws InvalidManifestException {
    Object v = n.get(field);
    if (!(v instanceof String)) {
      throw new InvalidManifestException(field + " is missing or not a string");
    }
    return (String) v;
  }

  private static long number(Map<String, Object> n, String field) throws InvalidManifestException {
    Object v = n.get(field);
    if (!(v instanceof Long) || (Long) v < 0) {
      throw new InvalidManifestException(field + " is missing or not a non-negative integer");
    }
    return (Long) v;
  }

  private static String sha(Map<String, Object> n, String field) throws InvalidManifestException {
    String s = text(n, field);
    if (!HEX64.matcher(s).matches()) {
      throw new InvalidManifestException(field + " is not 64 lowercase hex digits");
    }
    return s;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unreadable";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** A manifest that cannot be used, with the reason. */
  public static final class InvalidManifestException extends Exception {
    private static final long serialVersionUID = 1L;

    public InvalidManifestException(String reason) {
      super(reason);
    }
  }
}
