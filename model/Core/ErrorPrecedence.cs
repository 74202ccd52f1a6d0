using System.Collections.Immutable;
using System.Text;

namespace MMSpec.Model.Core;

/// <summary>
/// One operation's bad-input checks in Linux's order: the error each check returns and when it applies. A bad call
/// can break several checks at once (a misaligned pfn that no allocated block starts at); the model returns the
/// first, as Linux does, and lists every one that applies. An implementation may return any error that applies at
/// the safe and live levels and must return the first at the exact level (docs/README.md, "Conformance levels").
/// The documentation's precedence tables are rendered from these records (<see cref="ToMarkdown"/>), and a test
/// compares them, so the tables cannot drift from the code.
/// </summary>
public sealed record ErrorPrecedence(string Operation, ImmutableArray<ErrorPrecedence.Check> Checks)
{
    /// <summary>
    /// One check: the error kind (its record's name), when it applies, whether it gates the later checks (when it
    /// applies they cannot be evaluated, so none of them applies), and for a kind that several checks return, the
    /// reason that tells them apart (<see cref="IErrorReason.Why"/>).
    /// </summary>
    public sealed record Check(string Error, string AppliesWhen, bool Gates = false, string? Why = null);

    /// <summary>
    /// Whether <paramref name="errors"/> are errors of this operation, each kind once, in the declared order, with
    /// nothing after a gating one.
    /// </summary>
    public bool Orders(IReadOnlyList<MmError> errors)
    {
        var next = 0;
        for (var i = 0; i < errors.Count; i++)
        {
            var at = IndexOf(errors[i]);
            if (at < next || (i > 0 && Checks[next - 1].Gates))
            {
                return false;
            }

            next = at + 1;
        }

        return true;
    }

    /// <summary>The table the documentation shows: one row per check, in order.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| # | error | applies when |\n|---|---|---|\n");
        for (var i = 0; i < Checks.Length; i++)
        {
            var gate = Checks[i].Gates ? " (no later check applies then)" : string.Empty;
            var why = Checks[i].Why is { } reason ? $" (\"{reason}\")" : string.Empty;
            text.Append($"| {i + 1} | `{Checks[i].Error}`{why} | {Checks[i].AppliesWhen}{gate} |\n");
        }

        return text.ToString();
    }

    /// <summary>The position of the check returning <paramref name="error"/> (kind and reason), or -1.</summary>
    private int IndexOf(MmError error)
    {
        var kind = error.GetType().Name;
        var why = (error as IErrorReason)?.Why;
        for (var i = 0; i < Checks.Length; i++)
        {
            if (Checks[i].Error == kind && (Checks[i].Why is null || Checks[i].Why == why))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>An error kind that several checks return, each with its own reason.</summary>
public interface IErrorReason
{
    /// <summary>Which check the error comes from, as its message says it.</summary>
    string Why { get; }
}
