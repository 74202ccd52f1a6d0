using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Core;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Runs an FsCheck property with the case count scaled by MMSPEC_SCALE (e.g. 0.2 for mutation runs, 10 for long
/// CI campaigns), or set by <see cref="MutationProfile"/> under MMSPEC_PROFILE=mutation, and, when
/// MMSPEC_REPLAY="seed,gamma" is set, replays that run exactly. Output (statistics,
/// seed, shrunk counterexample) goes to the xunit test output.
/// </summary>
public static class PropertyRunner
{
    public const string ScaleVariable = "MMSPEC_SCALE";
    public const string ReplayVariable = "MMSPEC_REPLAY";

    /// <summary>The gamma a fixed-seed run starts from (the golden ratio, SplitMix's default).</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private static readonly AsyncLocal<(ulong Seed, ulong Gamma)?> Ambient = new();

    private static readonly AsyncLocal<bool> AsGiven = new();

    /// <summary>
    /// Until the result is disposed, every property <see cref="Check"/> runs in this flow of control starts from
    /// <paramref name="seed"/> and <paramref name="gamma"/>, as MMSPEC_REPLAY would make them, without touching the
    /// process's environment (the mmspec command's --seed; tests running beside it keep their own seeds).
    /// </summary>
    public static IDisposable ReplayFrom(ulong seed, ulong gamma)
    {
        var previous = Ambient.Value;
        Ambient.Value = (seed, gamma);
        return new Restore(() => Ambient.Value = previous);
    }

    /// <summary>
    /// Until the result is disposed, every property <see cref="Check"/> runs in this flow of control runs exactly the
    /// cases it is given: neither MMSPEC_SCALE nor the mutation profile changes them (the mmspec command's --cases).
    /// </summary>
    public static IDisposable CasesAsGiven()
    {
        var previous = AsGiven.Value;
        AsGiven.Value = true;
        return new Restore(() => AsGiven.Value = previous);
    }

    /// <summary>
    /// The cases <see cref="Check"/> runs for a property whose own number is <paramref name="baseline"/>.
    /// </summary>
    internal static int CasesFor(int baseline, string testName) =>
        AsGiven.Value ? baseline : MutationProfile.CasesFor(testName) ?? Cases(baseline);

    public static int Cases(int baseline)
    {
        var text = Environment.GetEnvironmentVariable(ScaleVariable);
        var scale = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)
            && parsed > 0 ? parsed : 1.0;
        return Math.Max(1, (int)Math.Round(baseline * scale));
    }

    public static void Check(ITestOutputHelper output, Property property, int baseline, int endSize = 100,
        [System.Runtime.CompilerServices.CallerMemberName] string testName = "",
        [System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        Counterexample.Take();
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(CasesFor(baseline, testName))
            .WithEndSize(endSize)
            .WithRunner(new OutputRunner(output, testName, sourceFile));
        var replay = Replay();
        if (replay is not null)
        {
            output.WriteLine(Ambient.Value is { } from ? $"from seed {from.Seed},{from.Gamma}"
                : $"replaying {ReplayVariable}={Environment.GetEnvironmentVariable(ReplayVariable)}");
            config = config.WithReplay(replay);
        }

        CheckBounded(config, property);
    }

    /// <summary>Runs a property from a fixed seed: the deterministic way to show a broken variant is caught.</summary>
    public static void CheckFrom(ITestOutputHelper output, Property property, int cases, ulong seed, int endSize = 100,
        [System.Runtime.CompilerServices.CallerMemberName] string testName = "",
        [System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        Counterexample.Take();
        var config = Config.QuickThrowOnFailure
            .WithMaxTest(cases)
            .WithEndSize(endSize)
            .WithRunner(new OutputRunner(output, testName, sourceFile))
            .WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, Gamma), FSharpOption<int>.None)));
        CheckBounded(config, property);
    }

    /// <summary>Checks the property with its shrinking bounded by <see cref="ShrinkBudget"/>.</summary>
    private static void CheckBounded(Config config, Property property)
    {
        ShrinkBudget.Arm();
        try
        {
            FsCheck.Check.One(config, property);
        }
        finally
        {
            ShrinkBudget.Disarm();
        }
    }

    private static FSharpOption<Replay>? Replay()
    {
        if (Ambient.Value is { } ambient)
        {
            return FSharpOption<Replay>.Some(new Replay(new Rnd(ambient.Seed, ambient.Gamma), FSharpOption<int>.None));
        }

        var text = Environment.GetEnvironmentVariable(ReplayVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Trim('(', ')', ' ').Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length < 2 || !ulong.TryParse(parts[0], out var seed) || !ulong.TryParse(parts[1], out var gamma))
        {
            throw new ArgumentException(
                $"{ReplayVariable} must be \"seed,gamma\" as FsCheck prints it, not \"{text}\"");
        }

        var size = parts.Length > 2 && int.TryParse(parts[2], out var s)
            ? FSharpOption<int>.Some(s)
            : FSharpOption<int>.None;
        return FSharpOption<Replay>.Some(new Replay(new Rnd(seed, gamma), size));
    }
}

/// <summary>Runs an action once, when disposed: what restores an ambient setting.</summary>
internal sealed class Restore(Action restore) : IDisposable
{
    private Action? _restore = restore;

    public void Dispose()
    {
        _restore?.Invoke();
        _restore = null;
    }
}
