using MMSpec.Conformance.Lockstep;

namespace MMSpec.Cli.Check;

/// <summary>What `mmspec check` was asked to do, parsed and validated.</summary>
public sealed record CheckOptions(string Component, string? Exec, bool Builtin, Level Level, int? Cases, ulong? Seed,
    TimeSpan Timeout, bool Json)
{
    /// <summary>The one property to run (a replay's), or null for every property of the level.</summary>
    public string? Only { get; init; }

    /// <summary>The gamma the seed goes with (a replay's, as FsCheck printed it); the default one otherwise.</summary>
    public ulong Gamma { get; init; } = PropertyRunner.Gamma;

    /// <summary>The command line that replays a counterexample trace against the same target.</summary>
    public string ReplayCommand(string trace) =>
        $"mmspec replay \"{trace}\" {(Exec is { } exec ? $"--exec \"{exec}\"" : "--builtin")}";

    /// <summary>The components the command checks, built in or through a process (protocol 1).</summary>
    public static IReadOnlyList<string> Components { get; } = ["buddy", "slab", "paging", "tlb", "reclaim", "system"];

    /// <summary>Null when the options make sense together, else what is wrong (a usage error, exit code 2).</summary>
    public string? Problem() =>
        !Components.Contains(Component) ? $"unknown component \"{Component}\" (one of {string.Join(", ", Components)})"
        : (Exec is null) == !Builtin ? "give either --exec \"<command line>\" or --builtin"
        : Cases is <= 0 ? "--cases must be at least 1"
        : Timeout <= TimeSpan.Zero ? "--timeout must be positive"
        : null;

    /// <summary>The level a --level word names, or null.</summary>
    public static Level? LevelOf(string word) => word switch
    {
        "safe" => Level.Safe,
        "live" => Level.Live,
        "exact" => Level.Exact,
        _ => null,
    };
}
