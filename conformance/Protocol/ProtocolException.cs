namespace MMSpec.Conformance.Protocol;

/// <summary>What went wrong with the process under test, as opposed to a rule it broke (docs/protocol.md).</summary>
public enum ProtocolFault
{
    /// <summary>The process exited or closed its standard output.</summary>
    Crash,

    /// <summary>No answer within the time limit.</summary>
    Timeout,

    /// <summary>An answer that is not the JSON the request calls for.</summary>
    Malformed,

    /// <summary>A hello answer with another protocol version or component.</summary>
    Version,

    /// <summary>The process could not be started.</summary>
    Start,
}

/// <summary>
/// The process under test broke the protocol: a crash, a hang, a malformed answer, a wrong version. Never a rule
/// violation: the lockstep runner lets it through, and the command reports it with exit code 2, naming the request
/// and the last lines the process wrote to its standard error.
/// </summary>
public sealed class ProtocolException(ProtocolFault fault, string message, string request, string stderrTail)
    : Exception(Describe(fault, message, request, stderrTail))
{
    public ProtocolFault Fault { get; } = fault;

    /// <summary>The request being answered (its JSON line), or what was being done.</summary>
    public string Request { get; } = request;

    /// <summary>The last lines of the process's standard error.</summary>
    public string StderrTail { get; } = stderrTail;

    private static string Describe(ProtocolFault fault, string message, string request, string stderr) =>
        $"protocol error ({fault.ToString().ToLowerInvariant()}): {message}\n  request: {request}"
        + (stderr.Length == 0 ? "\n  (nothing on standard error)" : $"\n  last lines of standard error:\n{stderr}");
}
