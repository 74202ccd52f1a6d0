using FsCheck;
using FsCheck.Fluent;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The fast pass's promise, as a property every component states for its subjects: checking incrementally (what
/// each step touched, the whole state every <see cref="LockstepRunner.FullCheckPeriod"/> steps and at the end) finds
/// a broken rule exactly when checking everything after every step does, and reports the same failure.
/// </summary>
public static class IncrementalCheck
{
    public const string Rule = "incremental-finds-what-full-finds";

    public static Property Agrees<TStep>(Func<ILockstepSubject<TStep>> subject, IReadOnlyList<TStep> steps)
        where TStep : notnull
    {
        var fast = LockstepRunner.Run(subject(), steps, subject, alwaysReplay: true);
        var full = LockstepRunner.Run(subject(), steps);
        var (fastText, fullText) = (fast.Failure?.ToString(), full.Failure?.ToString());
        var agree = (fast.Failure is null) == (full.Failure is null) && fastText == fullText;
        return agree
            .Label($"rule broken: {Rule}\nfull check: {fullText ?? "passes"}\nfast pass: {fastText ?? "passes"}")
            .Classify(full.Failure is not null, "the full check found a broken rule");
    }
}
