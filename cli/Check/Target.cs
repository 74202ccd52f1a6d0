using MMSpec.Conformance.Lockstep;
using MMSpec.Conformance.Protocol;

namespace MMSpec.Cli.Check;

/// <summary>
/// What a check runs against: a process speaking the protocol (one for the whole campaign, reset before each case)
/// or MMSpec's own implementation; with the level, the case count and the seed every property of the run uses.
/// </summary>
public sealed class Target(string component, Level level, int? cases, ulong seed, ProtocolSession? session)
{
    public string Component { get; } = component;

    public Level Level { get; } = level;

    /// <summary>
    /// The cases per property: the specification's own number (scaled by MMSPEC_SCALE) unless --cases says
    /// otherwise; --cases is run exactly, whatever MMSPEC_SCALE and MMSPEC_PROFILE say.
    /// </summary>
    public int? Cases { get; } = cases;

    public ulong Seed { get; } = seed;

    /// <summary>The process under test, or null for the built-in implementation.</summary>
    public ProtocolSession? Session { get; } = session;

    /// <summary>How many cases the run has started (resets or fresh allocators): the progress shown.</summary>
    public int CasesStarted => _cases;

    private int _cases;

    /// <summary>Counts a case the run starts.</summary>
    public void StartCase() => Interlocked.Increment(ref _cases);

    /// <summary>
    /// Whether a specification test belongs to the level checked: Level1_ tests at every level, Level2_ from live
    /// up, Level3_ at exact; a test named for no level (the TLB's one property) always.
    /// </summary>
    public bool Includes(string test) =>
        test.StartsWith("Level1_", StringComparison.Ordinal)
        || (test.StartsWith("Level2_", StringComparison.Ordinal) && Level >= Level.Live)
        || (test.StartsWith("Level3_", StringComparison.Ordinal) && Level >= Level.Exact)
        || !test.StartsWith("Level", StringComparison.Ordinal);
}
