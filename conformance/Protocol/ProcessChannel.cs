using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A process under test and the JSON lines to and from it (docs/protocol.md): one request per line on its standard
/// input, one answer per line from its standard output, each within a time limit; its standard error kept, the
/// last lines, for the report of a protocol error.
/// </summary>
public sealed class ProcessChannel : IDisposable
{
    /// <summary>How many of the process's last standard-error lines a protocol error shows.</summary>
    public const int StderrLines = 20;

    private readonly Process _process;
    private readonly Queue<string> _stderr = new();

    /// <summary>The answer lines the reader thread has read and nobody has taken yet; completed at the end of
    /// the output.</summary>
    private readonly BlockingCollection<string> _answers = new();

    /// <summary>The requests posted whose answers are not taken yet, oldest first (for the report of a
    /// fault).</summary>
    private readonly Queue<string> _pending = new();

    private readonly Thread _reader;

    private bool _unflushed;

    /// <summary>
    /// Starts <paramref name="command"/> through /bin/sh -c (so a command line with arguments works as typed), in
    /// <paramref name="directory"/> when given.
    /// </summary>
    public ProcessChannel(string command, TimeSpan timeout, string? directory = null)
    {
        Timeout = timeout;
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
            WorkingDirectory = directory ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec {command}");
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, line) => KeepStderr(line.Data);
        try
        {
            _process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ProtocolException(ProtocolFault.Start, e.Message, $"start {command}", string.Empty);
        }

        _process.BeginErrorReadLine();
        // Requests are flushed when an answer is awaited, so posted requests go out in large writes.
        _process.StandardInput.AutoFlush = false;
        // The answers are read on a thread of their own: a process never blocks on a full standard output while
        // MMSpec is still writing requests ahead (the capability "pipeline").
        _reader = new Thread(ReadAnswers) { IsBackground = true, Name = "mmspec protocol answers" };
        _reader.Start();
        Command = command;
    }

    /// <summary>The command line the process was started with.</summary>
    public string Command { get; }

    /// <summary>How long the process may take to answer one request.</summary>
    public TimeSpan Timeout { get; set; }

    /// <summary>Requests sent so far.</summary>
    public long Requests { get; private set; }

    /// <summary>The oldest request posted whose answer has not been taken.</summary>
    public string Pending => _pending.Peek();

    /// <summary>Sends one request line and returns the answer line; a crash or a hang is a protocol error.</summary>
    public string Send(string request)
    {
        Debug.Assert(_pending.Count == 0, "a request sent in turn follows every answer posted before it");
        Post(request);
        return Receive();
    }

    /// <summary>
    /// Writes one request line without waiting for its answer (buffered: it goes out when an answer is awaited or
    /// the buffer fills); <see cref="Receive"/> takes the answers in order.
    /// </summary>
    public void Post(string request)
    {
        Debug.Assert(!request.Contains('\n', StringComparison.Ordinal), "one request per line");
        Requests++;
        _pending.Enqueue(request);
        try
        {
            _process.StandardInput.Write(request);
            _process.StandardInput.Write('\n');
            _unflushed = true;
        }
        catch (IOException e)
        {
            throw Fail(ProtocolFault.Crash, $"the process stopped reading its input ({e.Message})", request);
        }
    }

    /// <summary>The answer line to the oldest request posted: within <see cref="Timeout"/>, or a protocol
    /// error.</summary>
    public string Receive()
    {
        Debug.Assert(_pending.Count > 0, "an answer is awaited only for a request posted");
        var request = _pending.Dequeue();
        if (_unflushed)
        {
            _unflushed = false;
            try
            {
                _process.StandardInput.Flush();
            }
            catch (IOException e)
            {
                throw Fail(ProtocolFault.Crash, $"the process stopped reading its input ({e.Message})", request);
            }
        }

        if (_answers.TryTake(out var answer, Timeout))
        {
            return answer;
        }

        throw _answers.IsCompleted
            ? Fail(ProtocolFault.Crash, ExitText(), request)
            : Fail(ProtocolFault.Timeout, $"no answer within {Timeout.TotalSeconds:0.###} s", request);
    }

    /// <summary>A protocol error about <paramref name="request"/>, with the last lines of standard error.</summary>
    public ProtocolException Fail(ProtocolFault fault, string message, string request)
    {
        // The error reader runs on its own thread. WaitForExit with a time limit does not wait for it; the overload
        // without one does, once the process is known to have exited (Process.WaitForExit's documented contract).
        if (_process.WaitForExit(TimeSpan.FromMilliseconds(200)))
        {
            _process.WaitForExit();
        }

        lock (_stderr)
        {
            return new ProtocolException(fault, message, request, string.Join('\n', _stderr.Select(l => $"    {l}")));
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }
        catch (IOException)
        {
            _process.Kill(entireProcessTree: true);
        }

        // The reader ends with the process's output; a reader still blocked keeps the collection it adds to.
        if (_reader.Join(TimeSpan.FromSeconds(2)))
        {
            _answers.Dispose();
        }

        _process.Dispose();
    }

    private string ExitText() =>
        _process.WaitForExit(TimeSpan.FromSeconds(1))
            ? $"the process exited with code {_process.ExitCode} before answering"
            : "the process closed its standard output before answering";

    private void ReadAnswers()
    {
        try
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                _answers.Add(line);
            }
        }
        catch (IOException)
        {
            // The pipe broke: the same as its end, a crash that Receive reports.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while reading: nobody awaits an answer any more.
        }
        finally
        {
            _answers.CompleteAdding();
        }
    }

    private void KeepStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }
}
