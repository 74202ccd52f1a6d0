using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace MMSpec.Conformance.Lockstep;

/// <summary>
/// Runs specification classes without a test framework: every test a class has (its [Fact] methods, inherited ones
/// included), one fresh instance each, in name order. Prints one line per test and, for a failure, the report the
/// property wrote (broken rule, seed, shrunk steps, replay command), then a summary line
/// "Checks: N passed, N failed". Returns the process exit code: 0 when every test passed, 1 otherwise, 2 when there
/// was nothing to run. For NUnit, MSTest, xunit v3 or a console program:
/// <code>
/// var exit = ConformanceRunner.Run(Console.Out, output => new MyBuddyConforms(output));
/// </code>
/// </summary>
public static class ConformanceRunner
{
    /// <summary>
    /// Runs every test of the specifications <paramref name="create"/> builds (one call per test, with the output
    /// the test writes to), optionally only those whose "Class.Method" name contains <paramref name="filter"/>.
    /// </summary>
    public static int Run(TextWriter writer, Func<ITestOutputHelper, Specification> create, string? filter = null) =>
        Run(writer, create, (type, test) => filter is null
            || $"{type.Name}.{test.Name}".Contains(filter, StringComparison.Ordinal));

    /// <summary>
    /// Runs the tests of the specifications <paramref name="create"/> builds that <paramref name="include"/> takes
    /// (given the class and the test method): the mmspec command chooses a level's tests this way.
    /// </summary>
    public static int Run(TextWriter writer, Func<ITestOutputHelper, Specification> create,
        Func<Type, MethodInfo, bool> include)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(include);
        var type = create(new BufferOutput()).GetType();
        var count = TestsOf(type).Count(m => include(type, m));
        writer.WriteLine($"MMSpec conformance: {type.FullName}, {count} tests");
        var (passed, failed) = (0, 0);
        foreach (var result in Each(create, include))
        {
            var seconds = result.Time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
            if (result.Passed)
            {
                passed++;
                writer.WriteLine($"  pass  {result.Test} ({seconds} s)");
                continue;
            }

            failed++;
            writer.WriteLine($"  FAIL  {result.Test} ({seconds} s)");
            writer.WriteLine(Indent(result.Report));
        }

        writer.WriteLine($"Checks: {passed} passed, {failed} failed");
        return count == 0 ? 2 : failed == 0 ? 0 : 1;
    }

    /// <summary>
    /// Runs the tests <paramref name="include"/> takes one at a time, in name order, each on a fresh specification,
    /// and yields each one's result as it ends: the test, whether it passed, how long it took, and for a failure the
    /// report its property wrote (or the exception).
    /// </summary>
    public static IEnumerable<CheckResult> Each(Func<ITestOutputHelper, Specification> create,
        Func<Type, MethodInfo, bool> include)
    {
        var type = create(new BufferOutput()).GetType();
        foreach (var test in TestsOf(type).Where(m => include(type, m)))
        {
            var output = new BufferOutput();
            var clock = Stopwatch.StartNew();
            var failure = RunOne(create(output), test);
            yield return new CheckResult(test.Name, failure is null, clock.Elapsed,
                failure is null ? output.Text : output.Text.Length > 0 ? output.Text : failure);
        }
    }

    /// <summary>The tests of a specification class: its public parameterless [Fact] methods, by name.</summary>
    public static IReadOnlyList<MethodInfo> TestsOf(Type specification) =>
    [
        .. specification.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.GetParameters().Length == 0 && m.GetCustomAttribute<FactAttribute>(inherit: true) is not null)
            .OrderBy(m => m.Name, StringComparer.Ordinal),
    ];

    private static string? RunOne(Specification specification, MethodInfo test)
    {
        try
        {
            test.Invoke(specification, null);
            return null;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null and not OutOfMemoryException)
        {
            return $"{e.InnerException.GetType().Name}: {e.InnerException.Message}";
        }
    }

    private static string Indent(string text) =>
        string.Join(Environment.NewLine, text.TrimEnd().Split('\n').Select(line => $"        {line.TrimEnd('\r')}"));

    /// <summary>The output one test writes, kept to print if it fails.</summary>
    private sealed class BufferOutput : ITestOutputHelper
    {
        private readonly StringBuilder _text = new();

        public string Text => _text.ToString();

        public void WriteLine(string message) => _text.AppendLine(message);

        public void WriteLine(string format, params object[] args) =>
            _text.AppendLine(string.Format(CultureInfo.InvariantCulture, format, args));
    }
}

/// <summary>
/// One test's result: its name, the verdict, the time it took, and what its property wrote (the statistics, or the
/// failure report: broken rule, seed, shrunk steps, replay command).
/// </summary>
public sealed record CheckResult(string Test, bool Passed, TimeSpan Time, string Report);
