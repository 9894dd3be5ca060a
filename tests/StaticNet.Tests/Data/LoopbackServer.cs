using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace StaticNet.Tests.Data;

/// <summary>
/// A tiny HTTP/1.1 server on 127.0.0.1 (a free port) for the download tests: each GET is answered by
/// <see cref="Respond"/>, one request per connection, and counted per path. No outside network.
/// </summary>
internal sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LoopbackServer(Func<string, Reply> respond)
    {
        Respond = respond;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = Task.Run(AcceptLoop);
    }

    /// <summary>What to send for a request path (such as <c>/mnist/train-images-idx3-ubyte.gz</c>).</summary>
    public Func<string, Reply> Respond { get; set; }

    public int Port { get; }

    /// <summary>The base URL of a folder on this server, ending in '/'.</summary>
    public Uri Base(string folder) => new($"http://127.0.0.1:{Port}/{folder}/");

    /// <summary>Requests received, per path.</summary>
    public ConcurrentDictionary<string, int> Requests { get; } = new();

    public int TotalRequests
    {
        get
        {
            int total = 0;
            foreach (var pair in Requests) total += pair.Value;
            return total;
        }
    }

    /// <summary>A reply: a status and a body; <paramref name="SendBytes"/> below the body's length
    /// announces the whole body but closes the connection after that many bytes (an aborted download).</summary>
    public sealed record Reply(int Status, byte[] Body, int? SendBytes = null)
    {
        public static Reply Ok(byte[] body) => new(200, body);

        public static Reply NotFound() => new(404, Encoding.ASCII.GetBytes("not found"));

        public static Reply Aborted(byte[] body, int sendBytes) => new(200, body, sendBytes);
    }

    /// <summary>A port on which nothing listens (a server that is down): connections are refused.</summary>
    public static int ClosedPort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener; its exception is expected.
        }
        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private void Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                string path = ReadRequestPath(stream);
                Requests.AddOrUpdate(path, 1, (_, n) => n + 1);
                Reply reply = Respond(path);
                string reason = reply.Status == 200 ? "OK" : reply.Status == 404 ? "Not Found" : "Error";
                byte[] head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {reply.Status} {reason}\r\nContent-Length: {reply.Body.Length}\r\n" +
                    "Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
                stream.Write(head);
                int send = Math.Min(reply.SendBytes ?? reply.Body.Length, reply.Body.Length);
                stream.Write(reply.Body, 0, send);
                stream.Flush();
                if (reply.SendBytes is not null) client.Client.LingerState = new LingerOption(true, 0); // reset: an abrupt end
            }
            catch (Exception e) when (e is System.IO.IOException or SocketException or ObjectDisposedException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    private static string ReadRequestPath(NetworkStream stream)
    {
        var header = new StringBuilder();
        var one = new byte[1];
        while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (stream.Read(one, 0, 1) == 0) break;
            header.Append((char)one[0]);
        }
        string firstLine = header.ToString().Split("\r\n")[0]; // GET /path HTTP/1.1
        string[] parts = firstLine.Split(' ');
        return parts.Length >= 2 ? parts[1] : "";
    }
}
