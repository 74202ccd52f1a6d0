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
        return answer;
    }

    /// <summary>Resets the process to a fresh allocator over <paramref name="layout"/>.</summary>
    public void Reset(MemoryLayout layout) => Value<Unit>(MmJson.Serialize(new ResetRequest("reset", layout)));

    /// <summary>Sends a call and reads its result: a value of <typeparamref name="T"/> or a typed error.</summary>
    public Result<T> Call<T>(string request)
    {
        if (Fault is not null)
        {
            throw Fault;
        }

        string answer;
        try
        {
            answer = Channel.Send(request);
        }
        catch (ProtocolException e)
        {
            throw Keep(e);
        }

        try
        {
            return MmJson.Deserialize<Result<T>>(answer);
        }
        catch (JsonException e)
        {
            throw Keep(Channel.Fail(ProtocolFault.Malformed, $"{e.Message}\n  answer: {Clip(answer)}", request));
        }
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

    private ProtocolException Keep(ProtocolException e)
    {
        Fault ??= e;
        return e;
    }

    private static string Clip(string line) => line.Length <= 200 ? line : $"{line[..200]}...";
}
