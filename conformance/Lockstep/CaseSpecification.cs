using FsCheck;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// The specification of a part whose generated cases are not step sequences (the OOM killer's process tables, the
/// zones' watermarks, the slow path's worlds): the part's safe and exact classes derive from it, a user overrides
/// <see cref="Create"/>, and the one test checks <see cref="Checked"/> at the class's level.
/// </summary>
public abstract class CaseSpecification<TSubject>(ITestOutputHelper output) : Specification(output)
{
    /// <summary>The part under test.</summary>
    protected abstract TSubject Create();

    /// <summary>Generated cases per run.</summary>
    protected virtual int Cases => 300;

    /// <summary>
    /// The part's property for <paramref name="subject"/> with the rules of <paramref name="checks"/>.
    /// </summary>
    protected abstract Property Checked(TSubject subject, Level checks);

    [Fact]
    public void Every_generated_case_keeps_the_rules_of_the_level() => Check(Checked(Create(), Level), Cases);
}
