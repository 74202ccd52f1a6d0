namespace MMSpec.Conformance.Protocol;

/// <summary>
/// A process's answer differed from the one predicted for it: the case is checked again, in turn
/// (<see cref="Pipelined.Check{T}"/>).
/// </summary>
public sealed class MispredictionException(string request, string answer)
    : Exception($"the process answered {answer} to {request}, not what the model predicted")
{
    public string Request { get; } = request;

    public string Answer { get; } = answer;
}

/// <summary>
/// Checking a case through a process that takes requests ahead of their answers (the capability "pipeline",
/// docs/protocol.md): inside <see cref="Check{T}"/>, a process allocator answers each call whose answer no later
/// request depends on (for buddy: frees and snapshots) at once with the model's prediction, and posts the request
/// without waiting; the answers are read and compared with their predictions at the next call that must wait (an
/// allocation: later requests name the block it chose) and at the end of the case. All equal: the case ran exactly
/// as it would have in turn, with a round trip per allocation instead of one per request. One differs (a bug, or
/// another permitted error than the model's first): the case runs again from a reset, in turn, so that what is
/// checked and reported is exactly what the in-turn run finds; after
/// <see cref="ProtocolSession.MispredictionsTolerated"/> of them the session runs every case in turn.
/// </summary>
public static class Pipelined
{
    private static readonly AsyncLocal<List<ProtocolSession>?> Sessions = new();

    /// <summary>Runs <paramref name="run"/>, its process calls predicted and settled at the end (see above).</summary>
    public static T Check<T>(Func<T> run)
    {
        var outer = Sessions.Value;
        var sessions = new List<ProtocolSession>(1);
        Sessions.Value = sessions;
        try
        {
            var result = run();
            foreach (var session in sessions)
            {
                session.Settle();
            }

            return result;
        }
        catch (MispredictionException)
        {
            foreach (var session in sessions)
            {
                session.Abandon();
            }

            Sessions.Value = null;
            return run();
        }
        finally
        {
            Sessions.Value = outer;
        }
    }

    /// <summary>
    /// Whether <paramref name="session"/>'s calls are predicted: it pipelines and a <see cref="Check{T}"/> is
    /// running, which then settles it.
    /// </summary>
    public static bool Enlist(ProtocolSession session)
    {
        if (!session.Pipelines || Sessions.Value is not { } sessions)
        {
            return false;
        }

        if (!sessions.Contains(session))
        {
            sessions.Add(session);
        }

        return true;
    }
}
