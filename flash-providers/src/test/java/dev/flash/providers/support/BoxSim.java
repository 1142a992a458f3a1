package dev.flash.providers.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flash.testkit.stubs.ApiStub;
import dev.flash.testkit.stubs.StubResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the boxes behind an API stub: reads each instance's user data as the stub recorded it
 * (fetching a staged boot script when the user data is only a loader), takes the presigned URLs the
 * agent would use, and writes the box's reports through them: heartbeats, console, the exit record.
 * It reads the cancel flag the way the agent's sync loop does. Everything goes over HTTP to the store,
 * so the URLs a provider hands out are exercised, not just stored.
 */
public final class BoxSim {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VAR = Pattern.compile("(?m)^(U_[A-Z_]+)='([^']*)'$");
  private static final Pattern ARRAY = Pattern.compile("(?m)^U_CONSOLE=\\((.*)\\)$");
  private static final Pattern LOADER = Pattern.compile("-o \"\\$B/boot.sh\" '([^']*)'");

  /** The URLs one box got. */
  public record Grants(Map<String, URI> urls, List<URI> console) {
    public URI url(String var) {
      URI u = urls.get(var);
      if (u == null || u.toString().isEmpty()) {
        throw new IllegalStateException("the boot script grants no " + var + ": " + urls.keySet());
      }
      return u;
    }
  }

  private final ApiStub stub;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Map<String, Grants> grants = new ConcurrentHashMap<>();
  private final Set<String> exited = ConcurrentHashMap.newKeySet();
  private final Map<String, StringBuilder> consoles = new ConcurrentHashMap<>();

  public BoxSim(ApiStub stub) {
    this.stub = stub;
  }

  /** The boot script of the instance with this id (the staged one when its user data is a loader). */
  public String script(String id) {
    StubResource r = stub.resource(id).orElseThrow(() -> new IllegalStateException("no instance " + id));
    try {
      String userData = JSON.readTree(r.createBody()).path("user_data").asText();
      Matcher loader = LOADER.matcher(userData);
      return loader.find() ? get(URI.create(loader.group(1))).orElseThrow() : userData;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Grants grants(String id) {
    return grants.computeIfAbsent(id, k -> {
      String script = script(k);
      Map<String, URI> urls = new HashMap<>();
      Matcher m = VAR.matcher(script);
      while (m.find()) {
        urls.put(m.group(1), URI.create(m.group(2)));
      }
      List<URI> console = new ArrayList<>();
      Matcher a = ARRAY.matcher(script);
      if (a.find()) {
        for (String quoted : a.group(1).split(" ")) {
          console.add(URI.create(quoted.replace("'", "")));
        }
      }
      return new Grants(urls, console);
    });
  }

  /** The box writes a heartbeat, as its worker would. */
  public void heartbeat(String id, String stage, long step, long total, String at) {
    put(grants(id).url("U_HEARTBEAT"), "{\"stage\":\"" + stage + "\",\"step\":" + step + ",\"total_steps\":" + total
        + ",\"at\":\"" + at + "\"}");
  }

  /** Console output the box uploads (segment 0 and the index). */
  public void print(String id, String line) {
    StringBuilder c = consoles.computeIfAbsent(id, k -> new StringBuilder());
    c.append(line).append('\n');
    Grants g = grants(id);
    put(g.console().get(0), c.toString());
    put(g.url("U_CONSOLE_INDEX"), "{\"bytes\":" + c.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        + "}");
  }

  /** The worker's end marker, as a worker that failed (retriably or not) writes it before exiting. */
  public void marker(String id, boolean retriable, String error, String at) {
    put(grants(id).url("U_MARKER"), "{\"status\":\"failed\",\"retriable\":" + retriable + ",\"error\":\"" + error
        + "\",\"at\":\"" + at + "\"}");
  }

  /** The workload ended: DONE (for code 0), then the exit record, as the agent orders them. */
  public void exit(String id, int code, String reason, String at) {
    Grants g = grants(id);
    print(id, "workload ended with " + code);
    if (code == 0 && reason.equals("exited")) {
      put(g.url("U_DONE"), "{\"steps\":100,\"metrics\":{\"loss\":0.25},\"at\":\"" + at + "\"}");
    }
    put(g.url("U_EXIT"), "{\"code\":" + code + ",\"reason\":\"" + reason + "\",\"at\":\"" + at + "\"}");
    exited.add(id);
  }

  public boolean exited(String id) {
    return exited.contains(id);
  }

  public boolean cancelRequested(String id) {
    return get(grants(id).url("U_CANCEL")).isPresent();
  }

  /** Boxes whose cancel flag is up stop their workload, as the agent does at its next sync. */
  public void tick(String at) {
    for (StubResource r : stub.live()) {
      if (!r.external() && !exited(r.id()) && cancelRequested(r.id())) {
        exit(r.id(), 143, "cancelled", at);
      }
    }
  }

  public Optional<String> get(URI url) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void put(URI url, String body) {
    try {
      int s = http.send(HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      if (s / 100 != 2) {
        throw new IllegalStateException("the store refused the box's upload (HTTP " + s + ")");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
