package dev.flash.checkpoint.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.flash.checkpoint.CheckpointFile;
import dev.flash.checkpoint.CheckpointKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written manifest writer against Jackson's pretty printer, whose layout docs/CHECKPOINTS.md shows. */
class ManifestCodecTest {
  static final String SHA = "ab".repeat(32);
  static final String AWKWARD = "q\"uote b\\ack\nnl\ttab\r\b\f\u0001\u001f\u007f é 漢 😀 </script>";

  static Manifest file(String producer) {
    return new Manifest(Layout.FORMAT, 42, CheckpointKind.FILE, "step-000000000042-1f0c9a2e.bin", 1_048_576, SHA,
        List.of(), Instant.parse("2025-01-02T03:04:05.123456Z"), producer);
  }

  static Manifest directory(List<CheckpointFile> files) {
    return new Manifest(Layout.FORMAT, 7, CheckpointKind.DIRECTORY, "step-000000000007-x", 3, SHA, files,
        Instant.parse("2025-01-02T03:04:05Z"), AWKWARD);
  }

  /** What ManifestCodec wrote with jackson-core before it was written by hand. */
  static byte[] jackson(Manifest m) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = new JsonFactory().createGenerator(out).useDefaultPrettyPrinter()) {
      g.writeStartObject();
      g.writeStringField("format", m.format());
      g.writeNumberField("step", m.step());
      g.writeStringField("kind", m.kind().jsonName());
      g.writeStringField("payload", m.payload());
      g.writeNumberField("size", m.size());
      g.writeStringField("sha256", m.sha256());
      if (m.kind() == CheckpointKind.DIRECTORY) {
        g.writeArrayFieldStart("files");
        for (CheckpointFile f : Manifest.sorted(m.files())) {
          g.writeStartObject();
          g.writeStringField("path", f.path());
          g.writeNumberField("size", f.size());
          g.writeStringField("sha256", f.sha256());
          g.writeEndObject();
        }
        g.writeEndArray();
      }
      g.writeStringField("created", m.created().toString());
      g.writeStringField("producer", m.producer());
      g.writeEndObject();
    }
    out.write('\n');
    return out.toByteArray();
  }

  @Test
  void writesWhatJacksonWroteAndReadsItBack() throws Exception {
    List<Manifest> manifests = List.of(file("flash-checkpoint"), file(AWKWARD), directory(List.of()),
        directory(List.of(new CheckpointFile("a", 1, SHA), new CheckpointFile("b/" + AWKWARD, 2, SHA))));
    for (Manifest m : manifests) {
      byte[] json = ManifestCodec.write(m);
      assertEquals(new String(jackson(m), StandardCharsets.UTF_8), new String(json, StandardCharsets.UTF_8));
      assertEquals(m.withSha256(SHA), ManifestCodec.read(json));
    }
  }

  @Test
  void aPendingManifestCompletesToTheSameBytes() throws Exception {
    for (Manifest m : List.of(file("flash-checkpoint"), file(AWKWARD))) {
      ManifestCodec.Pending pending = ManifestCodec.pending(m.withSha256(""));
      assertArrayEquals(ManifestCodec.write(m), pending.complete(SHA));
      assertEquals(m, pending.manifest(SHA));
    }
  }
}
