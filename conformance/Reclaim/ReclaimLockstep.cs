using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// What one reclaim step did, for the rules: the step and the call it resolved to, the implementation's result, the
/// model's (at the exact level), the word the oracle expected a read to return, and the states around the call.
/// </summary>
public sealed record ReclaimStepDone(ReclaimStep Step, ReclaimOp Op, OpResult Actual, OpResult? Expected,
    ulong? ExpectedRead, ReclaimSnapshot Before, ReclaimSnapshot After, ReclaimSnapshot? ModelAfter)
{
    public MmError? Error => Actual.Error;
}

/// <summary>
/// Binds a reclaim system under test to the lockstep runner. Any <see cref="IReclaimSystem"/> can be checked this way.
/// At the safe and live levels the implementation is checked on its own: the content oracle (no data lost), its
/// invariants, bad input refused and changing nothing, anonymous pages kept without swap, reclaim that frees what it
/// can; a correct implementation may choose other folios than Linux. At the exact level it runs in lockstep with
/// the model, every result and every state equal, step for step as Linux 6.18.
/// <para>
/// This file holds the run's state, the step loop and turning steps into calls; the rules and scenarios are in
/// ReclaimLockstep.Rules.cs, the handles in ReclaimLockstep.Resolve.cs.
/// </para>
/// </summary>
public sealed partial class ReclaimLockstep(IReclaimSystem impl, IReclaimSystem? model, Level checks)
    : ILockstepSubject<ReclaimStep>
{
    private readonly ContentOracle _oracle = new();
    private ReclaimSnapshot? _state;

    /// <summary>The implementation's state after the last step.</summary>
    public ReclaimSnapshot State => _state ??= impl.Snapshot();

    public Violation? CheckInitialState()
    {
        var initial = State;
        if (ReclaimInvariants.All(initial).FirstOrDefault() is { } broken)
        {
            return broken with { Detail = $"implementation: {broken.Detail}" };
        }

        return checks.HasFlag(Level.Exact) && model is not null && model.Snapshot().DiffFrom(initial) is { } diff
            ? new Violation(SharedRules.SameState, $"initial state: implementation vs model: {diff}")
            : null;
    }

    public Violation? Apply(ReclaimStep operation, StepLog log)
    {
        var before = State;
        if (Resolve(operation, before) is not { } op)
        {
            return null;
        }

        var expectedRead = ExpectedRead(op, before);
        var actual = op.ApplyTo(impl);
        var exact = checks.HasFlag(Level.Exact) && model is not null;
        var expected = exact ? op.ApplyTo(model!) : (OpResult?)null;
        var after = impl.Snapshot();
        var done = new ReclaimStepDone(operation, op, actual, expected, expectedRead, before, after,
            exact ? model!.Snapshot() : null);
        if (log.Tracing)
        {
            (log.Call, log.Operation) = ($"{op} = {actual}", op);
        }

        var violation = Rule<ReclaimStepDone>.FirstBroken(Rules, done, checks);
        if (violation is null)
        {
            SharedRules.Called(log, actual.Error, exact ? SharedRules.ModelPermits : ReclaimRules.NoDataLost);
            Rule<ReclaimStepDone>.Cover(Rules, done, checks, log);
            Scenario<ReclaimStepDone>.Track(Scenarios, done, log);
            if (actual.IsOk)
            {
                _oracle.Learn(before, op, actual);
            }

            _state = after;
        }

        return violation;
    }

    /// <summary>What a read (or a write's old word) must return, by the oracle; null for other calls.</summary>
    private ulong? ExpectedRead(ReclaimOp op, ReclaimSnapshot before) => op switch
    {
        ReclaimOp.Access a => _oracle.Expected(before, a.Mm, a.Addr),
        ReclaimOp.ReadFile r when r.File >= 0 && r.File < before.Config.Files && r.PgOff < before.Config.FilePages =>
            _oracle.FileWord(r.File, r.PgOff),
        _ => null,
    };
}
