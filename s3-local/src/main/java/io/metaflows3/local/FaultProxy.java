package io.metaflows3.local;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * An HTTP proxy on 127.0.0.1 between an S3 client and a server that injects the faults S3 clients meet:
 * 503 SlowDown, 500 InternalError, connections reset before a response or in the middle of its body, bodies
 * cut short, and slow responses. Whether a request is hit is decided from a hash of the seed, the request
 * (method, target, range) and how many times that same request was seen, so a seed gives the same faults
 * whatever order concurrent requests arrive in, and a retried request draws again.
 */
public final class FaultProxy implements AutoCloseable {
  /** Fault rates, each the probability of one request meeting that fault; they add up to at most 1. */
  public record Rates(double slowDown, double internalError, double resetBeforeResponse, double resetDuringBody,
      double truncatedBody, double slow) {
    public static Rates none() {
      return new Rates(0, 0, 0, 0, 0, 0);
    }
  }

  /**
   * How every request is shaped, faults or not, to make loopback behave like S3 over a network: a wait before
   * each response starts (time to first byte) and a cap on each connection's bytes per second, both ways.
   */
  public record Shaping(long firstByteMillis, long bytesPerSecond) {
    public static Shaping none() {
      return new Shaping(0, Long.MAX_VALUE);
    }
  }

  /** One parsed request, as the eligibility predicate sees it. */
  public record Request(String method, String target, Map<String, String> headers) {}

  private enum Fault { NONE, SLOW_DOWN, INTERNAL_ERROR, RESET_BEFORE, RESET_DURING, TRUNCATE, SLOW }

  private final ServerSocket listener;
  private final URI upstream;
  private final long seed;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong faults = new AtomicLong();
  private volatile Rates rates = Rates.none();
  private volatile Shaping shaping = Shaping.none();
  private volatile Predicate<Request> eligible = r -> true;
  private volatile Predicate<Request> answersLost = r -> false;
  private volatile boolean closed;

  private FaultProxy(URI upstream, long seed) throws IOException {
    this.upstream = upstream;
    this.seed = seed;
    this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fault-proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Starts a proxy in front of {@code upstream} (an http endpoint on loopback). */
  public static FaultProxy start(URI upstream, long seed) {
    try {
      return new FaultProxy(upstream, seed);
    } catch (IOException e) {
      throw new IllegalStateException("cannot listen on 127.0.0.1", e);
    }
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort());
  }

  /** Shapes the requests that follow (see {@link Shaping}). */
  public FaultProxy shaping(Shaping value) {
    this.shaping = value;
    return this;
  }

  /** Sets the fault rates for the requests that follow. */
  public FaultProxy rates(Rates value) {
    this.rates = value;
    return this;
  }

  /** Limits faults to requests {@code filter} accepts (e.g. only part uploads); others pass untouched. */
  public FaultProxy onlyFor(Predicate<Request> filter) {
    this.eligible = filter;
    return this;
  }

  /**
   * Passes the requests {@code which} accepts on to the server, then resets the connection instead of answering:
   * the server applied the request, the client never heard (a lost answer). Faults drawn from the rates still
   * apply to every other request.
   */
  public FaultProxy loseAnswers(Predicate<Request> which) {
    this.answersLost = which;
    return this;
  }

  /** Requests seen so far. */
  public long requests() {
    return requests.get();
  }

  /** Faults injected so far. */
  public long faults() {
    return faults.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        // As S3's servers do: without it, Nagle's algorithm and the client's delayed ACK stall small last
        // segments by up to 40 ms, a delay real S3 does not add.
        client.setTcpNoDelay(true);
        open.add(client);
        Thread t = new Thread(() -> serve(client), "fault-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException("fault proxy accept failed", e);
        }
      }
    }
  }

  private void serve(Socket client) {
    Socket server = null;
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream(), 1 << 16);
      OutputStream out = new BufferedOutputStream(client.getOutputStream(), 1 << 16);
      InputStream fromServer = null;
      while (true) {
        Map<String, String> headers = new LinkedHashMap<>();
        String requestLine = readHead(in, headers);
        if (requestLine == null) {
          return;
        }
        if ("100-continue".equalsIgnoreCase(headers.remove("expect"))) {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
        byte[] body = readBody(in, headers, false);
        Shaping shape = shaping;
        Thread.sleep(transferMillis(body.length, shape));
        String[] parts = requestLine.split(" ");
        Request request = new Request(parts[0], parts[1], headers);
        requests.incrementAndGet();
        Fault fault = eligible.test(request) ? draw(request) : Fault.NONE;
        if (fault != Fault.NONE) {
          faults.incrementAndGet();
        }
        switch (fault) {
          case SLOW_DOWN -> {
            error(out, 503, "SlowDown", "Please reduce your request rate.");
            continue;
          }
          case INTERNAL_ERROR -> {
            error(out, 500, "InternalError", "We encountered an internal error. Please try again.");
            continue;
          }
          case RESET_BEFORE -> {
            reset(client);
            return;
          }
          case SLOW -> Thread.sleep(150);
          default -> { }
        }
        if (server == null || server.isClosed()) {
          server = new Socket(upstream.getHost(), upstream.getPort());
          server.setTcpNoDelay(true);
          fromServer = new BufferedInputStream(server.getInputStream(), 1 << 16);
        }
        OutputStream up = server.getOutputStream();
        up.write(head(requestLine, headers));
        up.write(body);
        up.flush();
        Map<String, String> responseHeaders = new LinkedHashMap<>();
        String status = readHead(fromServer, responseHeaders);
        if (status == null) {
          throw new IOException("upstream closed the connection");
        }
        boolean noBody = parts[0].equals("HEAD") || status.contains(" 204 ") || status.contains(" 304 ");
        byte[] responseBody = noBody ? new byte[0] : readBody(fromServer, responseHeaders, true);
        if (answersLost.test(request)) {
          faults.incrementAndGet();
          reset(client);
          return;
        }
        Thread.sleep(shape.firstByteMillis());
        out.write(head(status, responseHeaders));
        if ((fault == Fault.RESET_DURING || fault == Fault.TRUNCATE) && responseBody.length > 1) {
          out.write(responseBody, 0, responseBody.length / 2);
          out.flush();
          if (fault == Fault.RESET_DURING) {
            reset(client);
          }
          return;
        }
        writePaced(out, responseBody, shape);
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      // The client or the server went away: this connection is done.
    } finally {
      open.remove(client);
      if (server != null) {
        try {
          server.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  private static long transferMillis(long bytes, Shaping shape) {
    return shape.bytesPerSecond() == Long.MAX_VALUE ? 0 : bytes * 1000 / shape.bytesPerSecond();
  }

  /** Writes {@code body} in 64 KiB pieces, no faster than the shaping's bytes per second. */
  private static void writePaced(OutputStream out, byte[] body, Shaping shape)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    for (int at = 0; at < body.length; at += 1 << 16) {
      int n = Math.min(1 << 16, body.length - at);
      out.write(body, at, n);
      long due = transferMillis(at + n, shape) - (System.nanoTime() - start) / 1_000_000;
      if (due > 0) {
        out.flush();
        Thread.sleep(due);
      }
    }
  }

  private Fault draw(Request r) {
    String identity = r.method() + " " + r.target() + " " + r.headers().getOrDefault("range", "");
    int nth = seen.computeIfAbsent(identity, k -> new AtomicInteger()).incrementAndGet();
    long h = seed;
    for (byte b : (identity + "#" + nth).getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ b) * 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    double u = (h >>> 11) * 0x1.0p-53;
    Rates x = rates;
    double[] cumulative = {x.slowDown(), x.internalError(), x.resetBeforeResponse(), x.resetDuringBody(),
        x.truncatedBody(), x.slow()};
    Fault[] kinds = {Fault.SLOW_DOWN, Fault.INTERNAL_ERROR, Fault.RESET_BEFORE, Fault.RESET_DURING, Fault.TRUNCATE,
        Fault.SLOW};
    double sum = 0;
    for (int i = 0; i < kinds.length; i++) {
      sum += cumulative[i];
      if (u < sum) {
        return kinds[i];
      }
    }
    return Fault.NONE;
  }

  private static void error(OutputStream out, int status, String code, String message) throws IOException {
    byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
        + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
    out.write(("HTTP/1.1 " + status + " " + code + "\r\nContent-Type: application/xml\r\nContent-Length: "
        + xml.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.write(xml);
    out.flush();
  }

  private static void reset(Socket socket) throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  /** Reads a request or status line and its headers (names lower-cased); null at a clean end of stream. */
  private static String readHead(InputStream in, Map<String, String> headers) throws IOException {
    String first = readLine(in);
    if (first == null) {
      return null;
    }
    for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
      int colon = line.indexOf(':');
      headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    return first;
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b; (b = in.read()) >= 0; ) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads a body by Content-Length or chunked encoding; a chunked body is returned de-chunked. */
  private static byte[] readBody(InputStream in, Map<String, String> headers, boolean response) throws IOException {
    if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      while (true) {
        int size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          break;
        }
        body.write(in.readNBytes(size));
        readLine(in);
      }
      headers.remove("transfer-encoding");
      headers.put("content-length", Integer.toString(body.size()));
      return body.toByteArray();
    }
    String length = headers.get("content-length");
    if (length == null) {
      // A request without a length has no body; a response without one runs until the server closes.
      return response && "close".equalsIgnoreCase(headers.get("connection")) ? in.readAllBytes() : new byte[0];
    }
    byte[] body = in.readNBytes(Integer.parseInt(length));
    if (body.length != Integer.parseInt(length)) {
      throw new IOException("body ended early");
    }
    return body;
  }

  private static byte[] head(String firstLine, Map<String, String> headers) {
    StringBuilder b = new StringBuilder(firstLine).append("\r\n");
    headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
    return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
