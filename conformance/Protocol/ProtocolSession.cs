using System.Collections.Immutable;
using System.Text.Json;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Protocol;

/// <summary>The hello request (docs/protocol.md, "The session").</summary>
public sealed record HelloRequest(string Op, int Protocol, string Component);

/// <summary>The hello answer's value: the process's protocol version, its component and capabilities.</summary>
public sealed record HelloAnswer(int Protocol, string Component, ImmutableArray<string> Capabilities);

/// <summary>The reset request: a fresh allocator over the layout.</summary>
public sealed record ResetRequest(string Op, MemoryLayout Layout);

/// <summary>
/// One process under test speaking protocol version <see cref="Version"/>: the hello, the reset before each case,
/// and each call's answer read as the result its request calls for. The first protocol error is kept
/// (<see cref="Fault"/>) and every later call fails at once with it, so a property that met a crash stops quickly
/// and the command reports the crash, not a rule.
/// </summary>
public sealed class ProtocolSession(ProcessChannel channel) : IDisposable
{
    public const int Version = 1;

    /// <summary>The snapshot request.</summary>
    public const string SnapshotRequest = """{"op":"snapshot"}""";

    /// <summary>The capability of a process that takes requests ahead of their answers (docs/protocol.md).</summary>
    public const string Pipeline = "pipeline";

    /// <summary>The predicted answers of the requests posted ahead, oldest first: each says whether an answer
    /// line matches.</summary>
    private readonly Queue<Func<string, bool>> _predicted = new();

    /// <summary>
    /// After this many mispredictions a session stops pipelining: an allocator that answers bad input with another
    /// permitted error than the model's first, say, would otherwise run most cases twice.
    /// </summary>
    public const int MispredictionsTolerated = 8;

    /// <summary>Whether calls may be predicted and posted ahead (<see cref="Pipelined"/>): the process has the
    /// capability <see cref="Pipeline"/>, and fewer than <see cref="MispredictionsTolerated"/> predictions have
    /// failed in this session.</summary>
    public bool Pipelines { get; private set; }

    /// <summary>Predicted answers that the process did not give (each case then ran again in turn).</summary>
    public int Mispredictions { get; private set; }

    /// <summary>What the process said it can do in its hello answer (empty before the hello).</summary>
    public ImmutableArray<string> Capabilities { get; private set; } = [];

    /// <summary>The first protocol error of the session, or null.</summary>
    public ProtocolException? Fault { get; private set; }

    public ProcessChannel Channel { get; } = channel;

    /// <summary>The hello exchange; another version or component is a protocol error.</summary>
    public HelloAnswer Hello(string component)
    {
        var request = MmJson.Serialize(new HelloRequest("hello", Version, component));
        var answer = Value<HelloAnswer>(request);
        if (answer.Protocol != Version || answer.Component != component)
        {
            throw Keep(Channel.Fail(ProtocolFault.Version,
                $"MMSpec speaks protocol {Version} for {component}; the process answered protocol "
                + $"{answer.Protocol} for {answer.Component}", request));
        }

        Capabilities = answer.Capabilities;
        Pipelines = Capabilities.Contains(Pipeline);
        return answer;
    }

    /// <summary>Resets the process to a fresh allocator over <paramref name="layout"/> (posted ahead when
    /// <paramref name="ahead"/>).</summary>
    public void Reset(MemoryLayout layout, bool ahead = false)
    {
        var request = MmJson.Serialize(new ResetRequest("reset", layout));
        if (ahead)
        {
            Predict<Unit>(request, static answer => answer.IsOk);
        }
        else
        {
            Value<Unit>(request);
        }
    }

    /// <summary>
    /// Posts <paramref name="request"/> without waiting for its answer, which <see cref="Settle"/> reads and
    /// <paramref name="matches"/> judges; an answer that is <paramref name="text"/> (the prediction as the protocol
    /// writes it, when known) matches without being read.
    /// </summary>
    public void Predict<T>(string request, Func<Result<T>, bool> matches, string? text = null)
    {
        Post(request);
        _predicted.Enqueue(answer => answer == text || matches(Read<T>(answer, request)));
    }

    /// <summary>
    /// Reads the answers of every request posted ahead, in order; the first that differs from its prediction is a
    /// <see cref="MispredictionException"/>, thrown once the rest are read (so that the next request's answer is its
    /// own).
    /// </summary>
    public void Settle()
    {
        MispredictionException? first = null;
        while (_predicted.TryDequeue(out var matches))
        {
            var request = Channel.Pending;
            var answer = Receive();
            if (first is null && !matches(answer))
            {
                first = new MispredictionException(request, Clip(answer));
                Mispredictions++;
                Pipelines = Mispredictions < MispredictionsTolerated;
            }
        }

        if (first is not null)
        {
            throw first;
        }
    }

    /// <summary>After a misprediction thrown from inside a case: the answers still due are read and
    /// dropped.</summary>
    public void Abandon()
    {
        while (_predicted.TryDequeue(out _))
        {
            Receive();
        }
    }

    /// <summary>Sends a call and reads its result: a value of <typeparamref name="T"/> or a typed error (after the
    /// answers of requests posted ahead).</summary>
    public Result<T> Call<T>(string request)
    {
        Settle();
        Post(request);
        return Read<T>(Receive(), request);
    }

    /// <summary>A request that must succeed (hello, reset, snapshot): an error answer is a protocol error.</summary>
    public T Value<T>(string request)
    {
        var result = Call<T>(request);
        return result.IsOk
            ? result.Value
            : throw Keep(Channel.Fail(ProtocolFault.Malformed, $"answered {result.Error} to a request that cannot fail",
                request));
    }

    public void Dispose() => Channel.Dispose();

    private void Post(string request)
    {
        if (Fault is not null)
        {
            throw Fault;
        }

        try
        {
            Channel.Post(request);
        }
        catch (ProtocolException e)
        {
            throw Keep(e);
        }
    }

    private string Receive()
    {
        try
        {
            return Channel.Receive();
        }
        catch (ProtocolException e)
        {
            throw Keep(e);
        }
    }

    private Result<T> Read<T>(string answer, string request)
    {
        try
        {
            return MmJson.Deserialize<Result<T>>(answer);
        }
        catch (JsonException e)
        {
            throw Keep(Channel.Fail(ProtocolFault.Malformed, $"{e.Message}\n  answer: {Clip(answer)}", request));
        }
    }

    private ProtocolException Keep(ProtocolException e)
    {
        Fault ??= e;
        return e;
    }

    private static string Clip(string line) => line.Length <= 200 ? line : $"{line[..200]}...";
}
