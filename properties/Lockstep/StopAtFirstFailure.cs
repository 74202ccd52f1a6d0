using System.Reflection;
using MMSpec.Conformance.Lockstep;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("MMSpec.Properties.Lockstep.StopAtFirstFailure", "MMSpec.Properties")]

namespace MMSpec.Properties.Lockstep;

/// <summary>
/// xunit's own framework, which under the mutation profile stops a run at its first failing test. Stryker cancels a
/// mutant's run when a test has killed it, but its cancel reaches the test host after the next test has started,
/// and that test runs to its end: in a trace of impl-Reclaim's Swapon.cs mutants (2026-12-08) up to 10 seconds a
/// run, 197 s of the runners' 1,675. Here the failure itself stops the run: the message sink answers it "stop"
/// (xunit then starts no other test), with messages reported synchronously so that the answer is seen before the
/// next test starts.
/// Without the profile every test runs and every failure is reported.
/// </summary>
public sealed class StopAtFirstFailure(IMessageSink diagnosticMessageSink) : XunitTestFramework(diagnosticMessageSink)
{
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new Executor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);

    private sealed class Executor(AssemblyName name, ISourceInformationProvider source, IMessageSink diagnostics)
        : XunitTestFrameworkExecutor(name, source, diagnostics)
    {
        protected override void RunTestCases(IEnumerable<IXunitTestCase> testCases, IMessageSink executionMessageSink,
            ITestFrameworkExecutionOptions executionOptions)
        {
            if (MutationProfile.Active)
            {
                executionOptions.SetValue("xunit.execution.SynchronousMessageReporting", true);
                executionMessageSink = new StoppingSink(executionMessageSink);
            }

            base.RunTestCases(testCases, executionMessageSink, executionOptions);
        }
    }

    /// <summary>Passes every message on, and answers "stop" from the first failed test on.</summary>
    internal sealed class StoppingSink(IMessageSink inner) : LongLivedMarshalByRefObject, IMessageSink
    {
        private volatile bool _failed;

        public bool OnMessage(IMessageSinkMessage message)
        {
            _failed |= message is ITestFailed;
            return inner.OnMessage(message) && !_failed;
        }
    }
}
