import { Component, type ReactNode } from 'react';

/** One failing widget (say the chart) must not blank the order entry or the book. */
export class ErrorBoundary extends Component<{ children: ReactNode; label: string }, { error: string | null }> {
  override state = { error: null as string | null };
  static getDerivedStateFromError(e: unknown) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
  override render() {
    if (this.state.error !== null)
      return (
        <div className="panel empty" role="alert">
          {this.props.label}: {this.state.error}{' '}
          <button type="button" className="btn small ghost" onClick={() => this.setState({ error: null })}>
            ↻
          </button>
        </div>
      );
    return this.props.children;
  }
}
