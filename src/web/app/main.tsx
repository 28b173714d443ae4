import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './ui/App.tsx';

const root = document.getElementById('root');
if (root === null) throw new Error('#root missing from index.html');
createRoot(root).render(<App />);
