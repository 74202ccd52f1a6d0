using FsCheck;
using FsCheck.Fluent;
using MMSpec.Model.Core;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// A property over generated cases that are not step sequences (a process table, a machine's zones): each case holds
/// when the rules find nothing; a failure is labelled "rule broken: &lt;rule&gt;" with the detail and the case, as
/// the lockstep's failures are, so BrokenVariant and the replay read it the same way.
/// </summary>
public static class RuleProperty
{
    public static Property ForAll<T>(Arbitrary<T> cases, Func<T, Violation?> firstBroken) =>
        Prop.ForAll(cases, c =>
        {
            var broken = firstBroken(c);
            return (broken is null).Label($"rule broken: {broken?.Rule}\n{broken?.Detail}\n{c}");
        });
}
