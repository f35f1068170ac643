import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { loadBranding } from './ui/branding.tsx';
import './ui/styles.css';

// The deployment's colour applies everywhere, meetings included.
void loadBranding();
createRoot(document.getElementById('root')!).render(<App />);
